"""The front door: bounds every request as a real front server would, and keeps the control
plane (`/_sim`) and the dashboard out of reach of web pages the developer has open.

For every path (vendor APIs included, as the vendors' load balancers do):
- headers: 431 past 16 KB in one header line or 64 KB in all (AWS ALB's limits);
- the body: 408 when it stops arriving for `body_timeout_seconds`.

For the control API and the dashboard only (vendor clients send what they send):
- Host: when the simulator listens on loopback, only loopback names (localhost, 127.x,
  [::1]) and `--allow-host` names are answered: a DNS-rebinding page reaches the
  simulator under its own host name and is refused;
- Origin: a state-changing call (POST, PUT, PATCH, DELETE) whose `Origin` is not the
  simulator's own is refused (403): a page on another site cannot reset or restore;
- (the control API itself requires `Content-Type: application/json` on every
  state-changing call, once its route is known: see `simulator/admin/service.py`).
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulator.logredact import install_access_log_redaction
from simulator.settings import Settings

MAX_HEADER_LINE_BYTES = 16 * 1024
MAX_HEADER_BYTES = 64 * 1024
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CONTROL_PREFIXES = ("/_sim", "/_dashboard")


class BodyTimeout(Exception):
    """The client stopped sending the body it announced."""


class Guards:
    def __init__(self, app: ASGIApp, settings: Settings, *, control_plane: bool = True) -> None:
        """`control_plane=False` for a vendor served alone on its own port: bounds only."""
        self.app = app
        self.control_plane = control_plane
        self.body_timeout = settings.body_timeout_seconds
        self.check_host = is_loopback(settings.host) and "*" not in settings.allowed_hosts
        self.allowed_hosts = frozenset(h.lower() for h in settings.allowed_hosts)
        # The server that serves this app logs each request line: never with a secret in it.
        install_access_log_redaction()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        refusal = _header_refusal(headers)
        if refusal is None and self.control_plane and _is_control(scope["path"]):
            refusal = self._control_refusal(scope, headers)
        if refusal is not None:
            await _answer(send, *refusal)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, _BodyDeadline(receive, self.body_timeout).receive, tracking_send)
        except BodyTimeout:
            if not started:
                await _answer(send, 408, "request_timeout", "the request body did not arrive in time")

    def _control_refusal(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> tuple[int, str, str] | None:
        values = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in headers}
        host = values.get("host", "")
        if self.check_host and not self._host_allowed(host):
            return (
                403,
                "host_not_allowed",
                f"this simulator listens on loopback and answers its control API only to loopback host names, "
                f"not {host!r} (start it with --allow-host NAME to add one)",
            )
        if scope["method"] not in STATE_CHANGING:
            return None
        origin = values.get("origin")
        if origin is not None and not _same_origin(origin, scope.get("scheme", "http"), host):
            return 403, "cross_origin", f"a state-changing control call from another origin ({origin}) is refused"
        return None

    def _host_allowed(self, host: str) -> bool:
        name = _host_name(host)
        return is_loopback_name(name) or name in self.allowed_hosts


class _BodyDeadline:
    """`receive`, timed out while the body is still arriving (then passed through untimed).

    The pipeline drops a connection for an injected fault through the server's request
    cycle (`receive.__self__`): attributes this object lacks are the cycle's.
    """

    def __init__(self, receive: Receive, timeout: float) -> None:
        self._receive = receive
        self._timeout = timeout
        self._body_done = False

    async def receive(self) -> Message:
        if self._body_done:
            return await self._receive()
        try:
            # A deadline on this await, not a task of its own (as `wait_for` would make).
            async with asyncio.timeout(self._timeout):
                message = await self._receive()
        except TimeoutError:
            raise BodyTimeout() from None
        self._body_done = message["type"] != "http.request" or not message.get("more_body", False)
        return message

    def __getattr__(self, name: str) -> object:
        cycle = getattr(self._receive, "__self__", None)
        if cycle is None:
            raise AttributeError(name)
        return getattr(cycle, name)


def _is_control(path: str) -> bool:
    return path == "/" or any(path == p or path.startswith(p + "/") for p in CONTROL_PREFIXES)


def _header_refusal(headers: Iterable[tuple[bytes, bytes]]) -> tuple[int, str, str] | None:
    total = 0
    for name, value in headers:
        line = len(name) + len(value) + 4  # "name: value\r\n"
        if line > MAX_HEADER_LINE_BYTES:
            return 431, "header_too_large", f"a request header line is longer than {MAX_HEADER_LINE_BYTES} bytes"
        total += line
    if total > MAX_HEADER_BYTES:
        return 431, "headers_too_large", f"the request headers are larger than {MAX_HEADER_BYTES} bytes"
    return None


def _host_name(host: str) -> str:
    """The name in a Host header, without its port ("[::1]:8000" -> "::1")."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach an address the server listens on."""
    return is_loopback_name(host.strip("[]").lower())


def is_loopback_name(name: str) -> bool:
    if name == "localhost" or name.endswith(".localhost"):  # RFC 6761: always loopback
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _same_origin(origin: str, scheme: str, host: str) -> bool:
    parts = urlsplit(origin.strip())
    return parts.scheme.lower() == scheme.lower() and parts.netloc.lower() == host.strip().lower()


async def _answer(send: Send, status: int, code: str, message: str) -> None:
    body = orjson.dumps({"error": message, "code": code, "details": None})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
