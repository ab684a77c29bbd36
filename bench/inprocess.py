"""Microseconds per request with no socket and no HTTP parser: the ASGI app driven directly.

Where `make bench` measures through uvicorn and wrk (noisy on a shared machine), this drives
the app's ASGI callable in a loop on one event loop, so the figure is the simulator's own
cost per request: pipeline, authentication, database, journal. The bare Starlette endpoint
of `bench.ceiling` is measured the same way, as the floor.

    python -m bench.inprocess [--requests N] [--vendors a,b] [--limits on|off]

Each vendor's main read, main write and list of 100 (found as `bench.targets` finds them),
on a SQLite file in a temporary folder, one process; rate limits counted but raised above the
load (`--limits off`: not counted at all).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient
from starlette.types import ASGIApp, Message

from bench import ceiling
from bench.targets import LIMITS_HIGH, LIMITS_OFF, Call, VendorCalls, discover_with
from simulator.app import create_app
from simulator.settings import Settings


def _scope(call: Call, headers: dict[str, str]) -> dict[str, Any]:
    path, _, query = call.path.partition("?")
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if call.body is not None:
        raw.append((b"content-type", call.content_type.encode()))
        raw.append((b"content-length", str(len(call.body.encode())).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": call.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": raw,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _one(app: ASGIApp, scope: dict[str, Any], body: bytes) -> int:
    status = 0

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _time(app: ASGIApp, calls: list[Call], headers: dict[str, str], n: int) -> float:
    """CPU µs per request: the least of 5 rounds of n requests (variants taken in turn).

    CPU time of this process, not wall time: on a shared machine other processes' load
    does not count, and the least round is the one least disturbed."""
    scopes = [(_scope(c, headers), (c.body or "").encode()) for c in calls]
    for scope, body in scopes:  # warm up, and a figure never counts error answers
        status = await _one(app, scope, body)
        if status >= 300:
            raise RuntimeError(f"{scope['method']} {scope['path']} answered {status}")
    rounds = []
    for _ in range(5):
        started = time.process_time()
        for i in range(n):
            scope, body = scopes[i % len(scopes)]
            await _one(app, scope, body)
        rounds.append((time.process_time() - started) / n * 1e6)
        await asyncio.sleep(0.06)  # lets scheduled work (journal writes) run between rounds
    return min(rounds)


def measure(requests: int, vendors: list[str] | None, options: dict[str, dict[str, Any]]) -> list[tuple[str, float]]:
    rows = [("bare Starlette endpoint", asyncio.run(_time(ceiling.app, [Call("GET", "/x")], {}, requests)))]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=str(Path(tmp) / "bench.db"), vendor_options=options, allowed_hosts=["testserver"])
        app = create_app(settings)
        with TestClient(app) as client:
            found: list[VendorCalls] = discover_with(client, vendors)
        app = create_app(settings, bootstrap=False)
        for calls in found:
            for label, call, n in (
                ("read", calls.read, requests),
                ("write", calls.write, requests // 2),
                ("list of 100", calls.list, max(20, requests // 20)),
            ):
                us = asyncio.run(_time(app, call.variants(), calls.headers, n))
                rows.append((f"{calls.vendor} {label}", us))
        app.state.runtime.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--vendors", default="")
    # "on": the default path (every request counted), with limits above the load so none is refused.
    parser.add_argument("--limits", choices=("on", "off"), default="on")
    args = parser.parse_args()
    options = LIMITS_HIGH if args.limits == "on" else LIMITS_OFF
    rows = measure(args.requests, [v for v in args.vendors.split(",") if v] or None, options)
    floor = rows[0][1]
    print(f"{'request':<28} {'CPU µs/req':>11} {'x floor':>8}   (rate limits: {args.limits})")
    for label, us in rows:
        print(f"{label:<28} {us:>11.1f} {us / floor:>8.1f}")


if __name__ == "__main__":
    main()
