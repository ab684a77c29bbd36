"""Answer requests to the vendors' real hosts from a simulator, for `httpx` and `requests`.

Two ways in, the first preferred where the code under test lets a client be handed in:
- mounting, nothing patched: `httpx.Client(mounts=sim_mounts(sim))` (`SimulatorTransport`),
  `session.mount("https://", SimulatorAdapter(sim))` for `requests`;
- interception (`Interception`), for code that builds its own clients: while active, the
  default transports of httpx (`httpx.HTTPTransport`, `httpx.AsyncHTTPTransport`) and of
  requests (`requests.adapters.HTTPAdapter`) send requests for vendor hosts to the simulator,
  as respx and responses do. Only those public classes' send methods are replaced, and
  only while an interception is active; every other host passes through (loopback always,
  others when allowed) or fails the test with `UnroutedRequest`.

`requests` is optional: it is imported only when present and when used.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from simulator.core.pipeline import ConnectionDropped
from simulator.testing.hosts import UnroutedRequest, VendorHosts

if TYPE_CHECKING:
    import requests


class Target(Protocol):
    """A simulator requests can be handed to (in-process or a live server)."""

    def url(self, vendor: str, path: str = "") -> str: ...

    def send(self, request: httpx.Request) -> httpx.Response: ...

    async def asend(self, request: httpx.Request) -> httpx.Response: ...


def _onto(target: Target, route: tuple[str, str], request: httpx.Request, body: bytes) -> httpx.Request:
    """The same request, addressed to the vendor's path on the simulator (headers kept, Host included)."""
    vendor, path = route
    url = httpx.URL(target.url(vendor, path)).copy_with(query=request.url.query or None)
    return httpx.Request(request.method, url, headers=request.headers, content=body, extensions=request.extensions)


def _as_answer(response: httpx.Response, request: httpx.Request) -> httpx.Response:
    """The simulator's response, presented as the answer to the caller's own request."""
    return httpx.Response(response.status_code, headers=response.headers.raw, content=response.content, request=request)


class SimulatorTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport (sync and async) that answers vendor hosts from a simulator."""

    def __init__(self, target: Target, hosts: VendorHosts | None = None) -> None:
        self.target = target
        self.hosts = hosts or VendorHosts()

    def route(self, request: httpx.Request) -> tuple[str, str] | None:
        return self.hosts.route(request.url.host, request.url.path)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        route = self._require_route(request)
        try:
            return _as_answer(self.target.send(_onto(self.target, route, request, request.read())), request)
        except ConnectionDropped as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        route = self._require_route(request)
        try:
            answer = await self.target.asend(_onto(self.target, route, request, await request.aread()))
        except ConnectionDropped as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        return _as_answer(answer, request)

    def _require_route(self, request: httpx.Request) -> tuple[str, str]:
        route = self.route(request)
        if route is None:
            raise UnroutedRequest(request.method, str(request.url))
        return route


def sim_mounts(target: Target, hosts: VendorHosts | None = None) -> dict[str, httpx.BaseTransport]:
    """`httpx.Client(mounts=sim_mounts(sim))`: vendor hosts answered by the simulator, others untouched."""
    transport = SimulatorTransport(target, hosts)
    return dict.fromkeys(transport.hosts.patterns(), transport)


def async_sim_mounts(target: Target, hosts: VendorHosts | None = None) -> dict[str, httpx.AsyncBaseTransport]:
    """`httpx.AsyncClient(mounts=async_sim_mounts(sim))`."""
    transport = SimulatorTransport(target, hosts)
    return dict.fromkeys(transport.hosts.patterns(), transport)


def requests_available() -> bool:
    return importlib.util.find_spec("requests") is not None


def SimulatorAdapter(target: Target, hosts: VendorHosts | None = None) -> requests.adapters.HTTPAdapter:
    """A `requests` adapter answering vendor hosts from the simulator; other hosts go out as usual
    (or fail with `UnroutedRequest` if `hosts` does not let them through).

    `session.mount("https://", SimulatorAdapter(sim))`. A function returning an instance, so
    that `requests` is imported only by those who use it."""
    from simulator.testing.requests_adapter import adapter_class

    return adapter_class()(SimulatorTransport(target, hosts or VendorHosts.build(passthrough=True)))


# -- interception ---------------------------------------------------------------------------


class Interception:
    """While entered, requests for vendor hosts made through httpx's or requests' default
    transports are answered by `target`. Nests: the innermost interception answers."""

    def __init__(self, target: Target, hosts: VendorHosts | None = None) -> None:
        self.transport = SimulatorTransport(target, hosts)

    def __enter__(self) -> Interception:
        _PATCHES.push(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _PATCHES.pop(self)


class _Patches:
    """The class-level send methods replaced while any interception is active."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active: list[Interception] = []
        self.originals: list[tuple[type, str, Any]] = []

    def current(self) -> Interception | None:
        return self.active[-1] if self.active else None

    def push(self, interception: Interception) -> None:
        with self.lock:
            if not self.active:
                self._install()
            self.active.append(interception)

    def pop(self, interception: Interception) -> None:
        with self.lock:
            self.active.remove(interception)
            if not self.active:
                for owner, name, original in reversed(self.originals):
                    setattr(owner, name, original)
                self.originals.clear()

    def _replace(self, owner: type, name: str, make: Any) -> None:
        original = getattr(owner, name)
        self.originals.append((owner, name, original))
        setattr(owner, name, make(original))

    def _install(self) -> None:
        self._replace(httpx.HTTPTransport, "handle_request", _sync_httpx)
        self._replace(httpx.AsyncHTTPTransport, "handle_async_request", _async_httpx)
        if requests_available():
            from requests.adapters import HTTPAdapter

            from simulator.testing.requests_adapter import intercepting_send

            self._replace(HTTPAdapter, "send", intercepting_send)


_PATCHES = _Patches()


def active_transport(host: str, method: str, url: str) -> SimulatorTransport | None:
    """The interception's transport if it answers this host; None to let the request go out."""
    interception = _PATCHES.current()
    if interception is None:
        return None
    transport = interception.transport
    if transport.hosts.owns(host):
        return transport
    if transport.hosts.passes_through(host):
        return None
    raise UnroutedRequest(method, url)


def _sync_httpx(original: Any) -> Any:
    def handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        transport = active_transport(request.url.host, request.method, str(request.url))
        return original(self, request) if transport is None else transport.handle_request(request)

    return handle_request


def _async_httpx(original: Any) -> Any:
    async def handle_async_request(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        transport = active_transport(request.url.host, request.method, str(request.url))
        if transport is None:
            response: httpx.Response = await original(self, request)
            return response
        return await transport.handle_async_request(request)

    return handle_async_request
