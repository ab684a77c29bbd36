"""The server's access log, with secrets in query strings redacted as the journal redacts them.

Uvicorn logs `client - "GET /path?query HTTP/1.1" status` with the path and query as
sent, so `?api_key=...` or `?access_token=...` would land in clear in a CI log. A filter
on its access logger rewrites the logged path through `journal.redact_query`.
"""

from __future__ import annotations

import logging

from simulator.core.journal import redact_query

ACCESS_LOGGER = "uvicorn.access"
PATH_ARG = 2  # uvicorn's access record: (client, method, path with query, http version, status)


class RedactQuery(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        logged = args[PATH_ARG] if isinstance(args, tuple) and len(args) > PATH_ARG else None
        if isinstance(logged, str) and isinstance(args, tuple):
            path, sep, query = logged.partition("?")
            if sep:
                record.args = (*args[:PATH_ARG], f"{path}?{redact_query(query)}", *args[PATH_ARG + 1 :])
        return True


def install_access_log_redaction() -> None:
    """Add the filter once (uvicorn's logging set-up keeps filters already on the logger)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactQuery) for f in logger.filters):
        logger.addFilter(RedactQuery())
