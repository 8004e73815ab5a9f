"""Structured JSON logs, one object per line, with the trace id of the current span; and the
one way a request path goes into a log line or a span: with its secrets redacted."""

import json
import logging
import re
import sys
from datetime import UTC, datetime

from shared.telemetry import current_trace_id

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

REDACTED = "[redacted]"
# The segment after `/sign/` is a signing link's token (`/api/v1/sign/{token}/...`, the only
# public paths that carry a secret). The gateway's log format redacts the same paths
# (deploy/gateway/nginx.conf.template). Any case and repeated slashes, so that a path that
# matches no route (and so reaches a span as it came) is redacted too.
_SECRET_SEGMENT = re.compile(r"(/sign/+)[^/?]+", re.IGNORECASE)


def redact_path(path: str) -> str:
    """`path` fit for a log line or a span attribute: every secret segment replaced."""
    return _SECRET_SEGMENT.sub(rf"\g<1>{REDACTED}", path)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        trace_id = current_trace_id()
        if trace_id:
            entry["trace_id"] = trace_id
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiormq", "aio_pika", "aiohttp.access", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
