"""The `reproduce:` line of a failure: a curl command per request the failure needs.

Built from what was really sent (method, URL, headers, body), so pasting it replays the case.
Credentials are never printed: each secret header becomes a shell variable the user fills in
(`Authorization: Bearer $LMS_SIM_TOKEN`, `x-api-key: $LMS_SIM_X_API_KEY`), in double quotes so
the shell expands it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping

# Headers curl sets by itself or that only describe the test harness.
NOISE = {"user-agent", "accept-encoding", "connection", "content-length", "host", "x-schemathesis-testcaseid"}
ALWAYS_SECRET = {"authorization", "cookie", "x-api-key", "api_key", "apikey", "x-admin-token"}


def placeholder(name: str, value: str) -> str:
    """The shell text standing for a secret header's value."""
    if name.lower() == "authorization":
        scheme, _, _rest = value.partition(" ")
        if scheme.lower() == "basic":
            return "Basic $LMS_SIM_BASIC_AUTH"
        return f"{scheme or 'Bearer'} $LMS_SIM_TOKEN"
    return "$LMS_SIM_" + re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")


def curl(
    method: str,
    url: str,
    headers: Mapping[str, str | list[str]],
    body: bytes | None,
    *,
    secret_headers: Iterable[str] = (),
) -> str:
    secrets = ALWAYS_SECRET | {name.lower() for name in secret_headers}
    parts = ["curl", "-X", method.upper(), shlex.quote(url)]
    for name, raw in headers.items():
        value = raw[0] if isinstance(raw, list) and raw else str(raw or "")
        if name.lower() in NOISE or (name.lower() == "accept" and value == "*/*"):
            continue
        if name.lower() in secrets:
            # Double quotes (not shlex.quote) so the shell fills in the variable.
            parts += ["-H", '"' + f"{name}: {placeholder(name, str(value))}".replace('"', '\\"') + '"']
        else:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body:
        parts += ["--data-binary", shlex.quote(body.decode("utf-8", errors="replace"))]
    return " ".join(parts)
