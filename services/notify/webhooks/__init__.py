"""Outgoing webhooks (ARCHITECTURE.md §8): firms' endpoints, Standard Webhooks signing, and
the delivery of every public event an endpoint asked for, with retries for about three days.

- `rules`: the pure decisions (URL and address checks, signatures, retry schedule, outcomes);
- `secrets`: endpoint secrets, sealed at rest;
- `addresses`: resolving a host and refusing private addresses, pinned for the connection;
- `sender`: the replica-safe delivery worker.
"""
