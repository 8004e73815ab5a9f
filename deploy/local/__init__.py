"""Local servers for development, tests and benchmarks: S3 (SeaweedFS), mail catcher, and
checks for PostgreSQL and RabbitMQ."""
