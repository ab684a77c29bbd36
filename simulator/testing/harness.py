"""Drive a simulator from tests: in-process (ASGI, no sockets) or as a real uvicorn server."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy.orm import Session
from starlette.applications import Starlette

from simulator.app import create_app
from simulator.core import clock
from simulator.core.pipeline import ConnectionDropped
from simulator.runtime import Runtime
from simulator.settings import DEFAULT_FIXTURES, Settings
from simulator.testing.asgi_client import AsgiTransport

IN_PROCESS_HOST = "testserver"
# Every state-changing control call says JSON, with a body or without (the simulator refuses it otherwise).
CONTROL_JSON = {"Content-Type": "application/json"}


def test_settings(**overrides: Any) -> Settings:
    """Settings for a throwaway simulator: in-memory database, demo fixtures, responses checked."""
    values: dict[str, Any] = {"db": "sqlite://", "fixtures": DEFAULT_FIXTURES, "validate_responses": True}
    # The in-process client's requests name the host "testserver"; loopback names need no entry.
    values["allowed_hosts"] = [IN_PROCESS_HOST]
    values.update(overrides)
    return Settings(**values)


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test, when imported into one


class _Controls:
    """Clock, journal and state controls shared by both harnesses (through the admin API)."""

    client: Any

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        if method not in ("GET", "HEAD"):
            # The control API takes state-changing calls as JSON only (a cross-site form cannot send it).
            kwargs["headers"] = {**CONTROL_JSON, **kwargs.get("headers", {})}
        response = self.client.request(method, f"{self._admin_base}{path}", **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"{method} /_sim{path} -> {response.status_code}: {response.text}")
        return response.json()

    _admin_base = "/_sim"

    root_url: str

    def url(self, vendor: str, path: str = "") -> str:
        """Absolute URL of a vendor operation on this simulator, e.g. url("msportal", "/api/...")."""
        return f"{self.root_url}/{vendor}{path}"

    def base_url(self, vendor: str) -> str:
        return f"{self.root_url}/{vendor}"

    def send(self, request: httpx.Request) -> httpx.Response:
        """Send a request built elsewhere (its URL already on this simulator)."""
        response: httpx.Response = self.client.send(request)
        return response

    async def asend(self, request: httpx.Request) -> httpx.Response:
        async with self.async_client() as client:
            return await client.send(request)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An `httpx.AsyncClient` on this simulator (base URL set): in-process or over the socket alike."""
        raise NotImplementedError

    def now(self, tenant: str | None = None) -> dt.datetime:
        params = {"tenant": tenant} if tenant else {}
        return clock.parse_instant(self.admin("GET", "/clock", params=params)["now"])

    def set_clock(
        self, now: dt.datetime | str | None = None, *, frozen: bool | None = None, tenant: str | None = None
    ) -> dt.datetime:
        body: dict[str, Any] = {}
        if now is not None:
            body["now"] = now.isoformat() if isinstance(now, dt.datetime) else now
        if frozen is not None:
            body["frozen"] = frozen
        params = {"tenant": tenant} if tenant else {}
        return clock.parse_instant(self.admin("PUT", "/clock", json=body, params=params)["now"])

    def freeze(self) -> dt.datetime:
        return self.set_clock(frozen=True)

    def advance(
        self,
        seconds: float | None = None,
        *,
        duration: str | None = None,
        days: float | None = None,
        tenant: str | None = None,
    ) -> dt.datetime:
        """Move the simulated clock forward (by seconds, days or an ISO 8601 duration)."""
        body: dict[str, Any] = {"duration": duration} if duration else {"seconds": (seconds or 0) + (days or 0) * 86400}
        params = {"tenant": tenant} if tenant else {}
        return clock.parse_instant(self.admin("POST", "/clock/advance", json=body, params=params)["now"])

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """Journal entries, newest first (filters: vendor, operation, status, tenant, since, limit)."""
        params = {k: v for k, v in filters.items() if v is not None}
        result: list[dict[str, Any]] = self.admin("GET", "/requests", params=params)["requests"]
        return result

    def clear_requests(self) -> None:
        self.admin("DELETE", "/requests")

    def reset(self, tenant: str | None = None) -> None:
        self.admin("POST", "/reset", params={"tenant": tenant} if tenant else {})

    def load_fixtures(self, document: dict[str, Any], *, mode: str = "replace") -> list[str]:
        loaded: list[str] = self.admin("POST", "/fixtures", json=document, params={"mode": mode})["loaded"]
        return loaded

    def auth_headers(self, vendor: str, tenant: str = "acme") -> dict[str, str]:
        """Headers that authenticate as a demo tenant's full-access credential (tokens obtained first)."""
        from simulator.testing.demo_auth import headers_for

        return headers_for(vendor, self, tenant)

    def call(self, method: str, vendor: str, path: str, **kwargs: Any) -> Any:
        """A request to a vendor path on this simulator (in-process or over the socket)."""
        return self.client.request(method, self.url(vendor, path), **kwargs)

    # -- faults -----------------------------------------------------------------------------

    def fault(self, **rule: Any) -> int:
        """Add a fault rule (fields as in POST /_sim/faults, e.g. vendor=, path=, status=, times=)."""
        created: dict[str, Any] = self.admin("POST", "/faults", json=rule)
        return int(created["id"])

    def clear_faults(self) -> None:
        self.admin("DELETE", "/faults")

    def fired_faults(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Journal entries of requests an injected fault answered (newest first)."""
        return [e for e in self.requests(limit=limit) if e.get("fault")]

    def fault_report(self, limit: int = 1000) -> str:
        """One line per request a fault rule answered, naming the rule: for failure messages."""
        lines = [
            f"{e['method']} {e['path']} -> {_fault_outcome(e)} (fault {e['fault']})" for e in self.fired_faults(limit)
        ]
        return "\n".join(reversed(lines))

    # -- verification -----------------------------------------------------------------------

    def verify(self, **matcher: Any) -> dict[str, Any]:
        """POST /_sim/requests/verify; returns the result whether or not the expectation held."""
        body = {_camel(k): v for k, v in matcher.items() if v is not None}
        response = self.client.post(f"{self._admin_base}/requests/verify", json=body)
        if response.status_code not in (200, 409):
            raise AssertionError(f"verify -> {response.status_code}: {response.text}")
        result: dict[str, Any] = response.json()
        result["holds"] = response.status_code == 200
        return result

    def assert_called(self, **matcher: Any) -> None:
        """Assert matching requests were made (`count=`, `at_least=`, `at_most=`; default: at least once)."""
        result = self.verify(**matcher)
        if not result["holds"]:
            raise AssertionError(_verification_message(matcher, result))

    def assert_not_called(self, **matcher: Any) -> None:
        self.assert_called(**matcher, count=0)

    def violations(self, **filters: Any) -> list[dict[str, Any]]:
        params = {k: v for k, v in filters.items() if v is not None}
        found: list[dict[str, Any]] = self.admin("GET", "/violations", params=params)["violations"]
        return found

    def assert_no_violations(self, vendor: str | None = None, tenant: str | None = None) -> None:
        """Fail when a client sent anything the real API would reject."""
        found = self.violations(vendor=vendor, tenant=tenant, severity="error", limit=1000)
        if found:
            lines = [f"{v['method']} {v['path']}: {v['location']}: {v['message']}" for v in found[:20]]
            raise AssertionError(f"{len(found)} contract violation(s):\n" + "\n".join(lines))

    # -- snapshots --------------------------------------------------------------------------

    def snapshot(self, name: str) -> None:
        self.admin("POST", f"/snapshots/{name}")

    def restore(self, name: str) -> None:
        self.admin("POST", f"/snapshots/{name}/restore")


def _fault_outcome(entry: dict[str, Any]) -> str:
    kind = str(entry["fault"]).split(": ", 1)[-1]
    return "connection dropped" if kind.startswith(("drop", "hang")) else str(entry["status"])


class InjectedFaultDropped(ConnectionDropped):
    """An in-process request whose connection an injected fault rule dropped; names the rule."""

    def __init__(self, message: str, rule: str | None) -> None:
        super().__init__(message)
        self.rule = rule


class _FaultNamingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Turns the pipeline's bare `ConnectionDropped` into one that says which rule dropped it."""

    def __init__(self, inner: AsgiTransport, simulator: InProcessSimulator) -> None:
        self.inner = inner
        self.simulator = simulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return self.inner.handle_request(request)
        except ConnectionDropped as exc:
            raise self._named(request, exc) from exc

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.inner.handle_async_request(request)
        except ConnectionDropped as exc:
            raise self._named(request, exc) from exc

    def _named(self, request: httpx.Request, exc: ConnectionDropped) -> InjectedFaultDropped:
        if isinstance(exc, InjectedFaultDropped):
            return exc
        rule = self._rule_for(request)
        where = f"{request.method} {request.url.path}"
        named = f"injected fault {rule}" if rule else "an injected fault"
        return InjectedFaultDropped(f"{where}: the connection was dropped by {named}", rule)

    def _rule_for(self, request: httpx.Request) -> str | None:
        # The journal entry is committed before the connection is dropped.
        for entry in self.simulator.fired_faults(limit=20):
            if entry["method"] == request.method and entry["path"] == request.url.path:
                return str(entry["fault"])
        return None

    def close(self) -> None:
        self.inner.close()


def _camel(name: str) -> str:
    """Python keyword names to the control API's: operation_id -> operationId, at_least -> atLeast."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _verification_message(matcher: dict[str, Any], result: dict[str, Any]) -> str:
    lines = [f"expected {result['expected']} request(s) matching {matcher}, found {result['matched']}"]
    for miss in result["nearMisses"]:
        request = miss["request"]
        lines.append(f"  near miss #{request['id']} {request['method']} {request['path']} -> {request['status']}:")
        lines += [f"    {d}" for d in miss["differences"]]
    return "\n".join(lines)


class InProcessSimulator(_Controls):
    """A simulator app on its own in-memory database, called through an in-process client."""

    def __init__(self, settings: Settings | None = None, *, frozen: bool = True) -> None:
        self.settings = settings or test_settings()
        self.app: Starlette = create_app(self.settings)
        self.runtime: Runtime = self.app.state.runtime
        self.transport = AsgiTransport(self.app)
        self.root_url = f"http://{IN_PROCESS_HOST}"
        self._naming = _FaultNamingTransport(self.transport, self)
        self.client = httpx.Client(transport=self._naming, base_url=self.root_url)
        if frozen:
            self.freeze()

    async def asend(self, request: httpx.Request) -> httpx.Response:
        return await self._naming.handle_async_request(request)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self._naming, base_url=self.root_url, **kwargs)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A database session in its own transaction, for reading or arranging state directly."""
        with self.runtime.db.transaction() as session:
            yield session

    def close(self) -> None:
        self.client.close()
        self.transport.close()
        self.runtime.close()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ServerSimulator(_Controls):
    """A real uvicorn server on a free loopback port, for clients that need a URL."""

    def __init__(self, settings: Settings | None = None, *, db_path: Path | None = None, frozen: bool = True) -> None:
        port = free_port()
        db = str(db_path) if db_path else "sqlite://"
        self.settings = settings or test_settings(db=db, port=port)
        self.settings.port = port
        self.app = create_app(self.settings)
        self.runtime = self.app.state.runtime
        config = uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="lms-sim-server", daemon=True)
        self.thread.start()
        deadline = clock.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or clock.monotonic() > deadline:
                raise RuntimeError("the simulator server did not start")
            time.sleep(0.01)
        self.root_url = f"http://127.0.0.1:{port}"
        self.client = httpx.Client(base_url=self.root_url, timeout=30)
        if frozen:
            self.freeze()

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.root_url, timeout=30, **kwargs)

    def close(self) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(timeout=15)
