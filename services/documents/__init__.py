"""Documents service: folders with customer access rules, documents and versions in S3,
comments and approvals."""
