"""The one clock of identity's requests and jobs (timezone-aware UTC); `domain.py` never reads
it, it is handed `now`."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
