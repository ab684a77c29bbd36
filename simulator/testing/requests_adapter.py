"""`requests` support: an adapter that answers vendor hosts from a simulator.

Imported only when `requests` is used (it is an optional dependency). The simulator's
answer is turned into a `requests.Response` by requests' own `HTTPAdapter.build_response`,
so encoding, cookies, `raise_for_status` and `.json()` behave as over the network.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import httpx
import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPHeaderDict, HTTPResponse

from simulator.core.pipeline import ConnectionDropped

if TYPE_CHECKING:
    from simulator.testing.intercept import SimulatorTransport


def _body(request: requests.PreparedRequest) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, bytes):
        return body
    if hasattr(body, "read"):
        data = body.read()
        return data.encode() if isinstance(data, str) else bytes(data)
    chunks: Iterable[Any] = body
    return b"".join(c.encode() if isinstance(c, str) else bytes(c) for c in chunks)


def answer(adapter: HTTPAdapter, transport: SimulatorTransport, request: requests.PreparedRequest) -> requests.Response:
    """Send a prepared request for a vendor host to the simulator; a dropped connection is a ConnectionError."""
    url = str(request.url)
    method = str(request.method)
    headers = [(k, v if isinstance(v, str) else v.decode("latin-1")) for k, v in request.headers.items()]
    outgoing = httpx.Request(method, url, headers=headers, content=_body(request))
    try:
        reply = transport.handle_request(outgoing)
    except (ConnectionDropped, httpx.TransportError) as exc:
        raise requests.ConnectionError(str(exc), request=request) from exc
    answered = HTTPHeaderDict()
    for name, value in reply.headers.multi_items():
        answered.add(name, value)
    raw = HTTPResponse(
        body=io.BytesIO(reply.content),
        headers=answered,
        status=reply.status_code,
        reason=_reason(reply.status_code),
        preload_content=False,
        decode_content=False,
        request_method=method,
        request_url=url,
    )
    return adapter.build_response(request, raw)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def intercepting_send(original: Any) -> Any:
    """`HTTPAdapter.send` while an interception is active: vendor hosts answered, others as before."""
    from simulator.testing.intercept import active_transport

    @functools.wraps(original)
    def send(self: HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = httpx.URL(str(request.url))
        transport = active_transport(url.host, str(request.method), str(url))
        if transport is None:
            response: requests.Response = original(self, request, *args, **kwargs)
            return response
        return answer(self, transport, request)

    return send


@functools.cache
def adapter_class() -> Callable[[SimulatorTransport], HTTPAdapter]:
    class SimulatorAdapter(HTTPAdapter):
        """Mounted on a session: vendor hosts answered by the simulator, other hosts as the
        transport's `VendorHosts` allows (out over the network, or `UnroutedRequest`)."""

        def __init__(self, transport: SimulatorTransport) -> None:
            super().__init__()
            self.transport = transport

        def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
            url = httpx.URL(str(request.url))
            if self.transport.hosts.owns(url.host):
                return answer(self, self.transport, request)
            if not self.transport.hosts.passes_through(url.host):
                from simulator.testing.hosts import UnroutedRequest

                raise UnroutedRequest(str(request.method), str(url))
            return _UNPATCHED_SEND(self, request, *args, **kwargs)

    return SimulatorAdapter


# The adapter's own pass-through must not land in an active interception's patched send.
_UNPATCHED_SEND = HTTPAdapter.send
