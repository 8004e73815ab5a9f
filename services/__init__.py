"""The platform's five services; each runs as `python -m services.<name>`."""
