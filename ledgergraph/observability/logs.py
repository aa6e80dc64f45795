"""Log output: one JSON object per line (``LEDGERGRAPH_LOG_FORMAT=json``, the production
default) or readable text (the development default).

Every line carries what is known about the request it belongs to — request id, tenant,
business, GraphQL operation, and the trace id when traces are recorded. The access log
(``ledgergraph.access``, one line per request) adds method, path, status, latency and the
number of Sage calls the request made. Redaction is unchanged: records are redacted as they are
created (``install_log_redaction``), and the fields added here are redacted too.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any, Literal

import orjson

from ledgergraph.observability import request_context, tracing
from ledgergraph.security.redaction import RedactingFilter, install_log_redaction, redact

__all__ = ["ACCESS_LOGGER", "JsonFormatter", "TextFormatter", "configure_logging"]

LogFormat = Literal["json", "text"]
ACCESS_LOGGER = "ledgergraph.access"
# Set by the access log (``extra={FIELDS: {...}}``): added to the line as they are.
FIELDS = "ledgergraph_fields"


def _request_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    info = request_context.current()
    if info is not None:
        fields["request_id"] = info.request_id
        for name in ("tenant", "business", "operation", "operation_type"):
            value = getattr(info, name)
            if value is not None:
                fields[name] = value
    trace = tracing.trace_id()
    if trace is not None:
        fields["trace_id"] = trace
    return fields


def _clean(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_request_fields())
        line.update(getattr(record, FIELDS, None) or {})
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return orjson.dumps({k: _clean(v) for k, v in line.items()}).decode()


class TextFormatter(logging.Formatter):
    """``LEVEL logger: message  request_id=... tenant=...``: for a person at a terminal."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = {**_request_fields(), **(getattr(record, FIELDS, None) or {})}
        if not fields:
            return text
        pairs = " ".join(f"{k}={_clean(v)}" for k, v in fields.items() if v is not None)
        head, newline, rest = text.partition("\n")
        return f"{head}  {pairs}{newline}{rest}"


def configure_logging(log_format: LogFormat, level: int | str = logging.INFO) -> None:
    """Root logging to stderr in ``log_format``, redacted (replaces earlier handlers)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for previous in list(root.handlers):
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level)
    install_log_redaction()
    # One line per Sage request is noise at INFO (the access log counts them); failures show.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # The access log is LedgerGraph's own (with request id, tenant, latency).
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
