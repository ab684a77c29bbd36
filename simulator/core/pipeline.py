"""Serving one vendor (or the admin API) from its spec: the request pipeline.

For each request, in order:
1. read it off the connection (`ServiceApp.__call__`): match a spec route, read the body
   (size-limited) and a form body, strip the vendor's prefix once → an `Incoming`;
2. run it in one database transaction (`process`, `_transaction`): a read transaction for a
   GET that changes nothing, else a write; inside, the plumbing check, then `core.steps`
   (authenticate → faults → validate → catch up → dispatch), the error envelope for an
   `ApiError` (whose writes the handler's savepoint undid: bad input changes nothing), the
   response check when asked for; commit;
3. hand the journal entry to the journal writer, serialise the answer once;
4. shape it as an injected fault says, and send it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Mapping
from typing import Any, Protocol

import orjson
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from simulator.core import faults, journal, steps
from simulator.core.context import Options, Reply, RequestContext
from simulator.core.db import Database, reading, request_locks
from simulator.core.errors import ApiError, Violation
from simulator.core.ids import RequestIds
from simulator.core.journal import JournalWriter
from simulator.core.plumbing import Plumbing
from simulator.core.ratelimit import RequestRates
from simulator.core.routing import Binding, SpecRoute, build_routes, match
from simulator.core.spec import load_spec, spec_operations
from simulator.core.steps import Incoming
from simulator.core.store import Store
from simulator.core.validation import FORM_TYPES
from simulator.core.vendor import VendorPlugin


class Host(Protocol):
    """What a service needs of the simulator instance serving it (the app's `Runtime`)."""

    @property
    def settings(self) -> Options: ...
    @property
    def db(self) -> Database: ...
    @property
    def plumbing(self) -> Plumbing: ...
    @property
    def journal(self) -> JournalWriter: ...
    @property
    def request_ids(self) -> RequestIds: ...
    def flush_journal(self, *, wait: bool = True) -> bool: ...


log = logging.getLogger("simulator")

# How long the journal entries of reads may wait to be written together (see
# `journal.JournalWriter`): a crash loses at most this much of the journal.
JOURNAL_FLUSH_DELAY_SECONDS = 0.05


class BodyTooLarge(Exception):
    pass


class ServiceApp:
    """The ASGI app of one vendor, mounted at `/<vendor.name>`."""

    def __init__(self, runtime: Host, vendor: VendorPlugin) -> None:
        self.runtime = runtime
        self.vendor = vendor
        self.spec = load_spec(vendor.spec_file)
        self.prefix = f"/{vendor.name}"
        if vendor.journaled:
            self.routes: list[SpecRoute] = _vendor_routes(
                vendor.spec_file, vendor.operations.handlers, case_insensitive=vendor.case_insensitive_paths
            )
        else:  # the control API: its handlers close over one runtime, so its routes are its own
            self.routes = build_routes(
                vendor.spec_file,
                list(spec_operations(vendor.spec_file)),
                vendor.operations.handlers,
                case_insensitive=False,
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        root = scope.get("root_path", "")
        full_path: str = scope["path"]
        path = full_path[len(root) :] if root and full_path.startswith(root) else full_path
        method: str = scope["method"]
        if path == "/openapi.json" and method in ("GET", "HEAD"):
            await self._serve_spec(scope, receive, send)
            return
        binding, path_params, allowed = match(self.routes, path or "/", method)
        # ASGI servers give header names in lower case.
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        raw_body, form, early = b"", None, None
        try:
            raw_body = await self._read_body(receive)
            content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if binding is not None and content_type in FORM_TYPES and raw_body:
                form = await _read_form(scope, raw_body)
        except BodyTooLarge:
            early = ApiError(413, f"Request body exceeds {self.vendor.max_body_bytes} bytes")
        except _FormError as exc:
            early = self.vendor.validation_error([Violation("body", str(exc))])
        if binding is None and early is None:
            early = (
                ApiError(405, "Method not allowed", headers={"Allow": ", ".join(allowed)})
                if allowed
                else ApiError(404, "Not found")
            )
        incoming = Incoming(
            binding=binding,
            early_error=early,
            method=method,
            full_path=full_path,
            path=path,
            path_params=path_params,
            query_string=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            raw_body=raw_body,
            form=form,
            started=started,
        )
        reply, effect = self.process(incoming)
        self._schedule_journal_flush()  # a dropped connection's entry is written all the same
        if effect is not None:
            shaped = await _apply_fault(effect, reply, receive)
            if shaped is None:
                return
            reply = shaped
        await _send_reply(reply, scope, receive, send)

    def _schedule_journal_flush(self) -> None:
        writer = self.runtime.journal
        if not len(writer) or writer.flush_scheduled:
            return
        writer.flush_scheduled = True
        asyncio.get_running_loop().call_later(JOURNAL_FLUSH_DELAY_SECONDS, self._scheduled_flush)

    def _scheduled_flush(self) -> None:
        # On the loop's thread, never waiting for the write lock: while another connection
        # holds it, the entries wait for the next try and the server goes on answering.
        if not self.runtime.flush_journal(wait=False):
            self.runtime.journal.flush_scheduled = True
            asyncio.get_running_loop().call_later(JOURNAL_FLUSH_DELAY_SECONDS, self._scheduled_flush)

    async def _read_body(self, receive: Receive) -> bytes:
        limit = self.vendor.max_body_bytes
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def process(self, incoming: Incoming) -> tuple[Reply, faults.FaultEffect | None]:
        """Everything that touches the database, in one transaction; then the journal entry.

        A GET (unless the vendor's GETs write) runs in a read transaction. If it must write
        after all (a status coming due, a fault rule's counter) and the database refuses the
        upgrade because another process wrote meanwhile, it runs again as a write: the one
        path by which a read becomes a write.
        """
        journal_writer = self.runtime.journal
        if not self.vendor.journaled:
            journal_writer.flush()  # the control API reads the journal: it sees every entry answered
        reads = incoming.method in ("GET", "HEAD") and not (
            incoming.binding is not None and incoming.binding.operation.operation_id in self.vendor.writes_on_get
        )
        outcome: tuple[Reply, RequestContext, dict[str, Any] | None] | None = None
        rates = RequestRates(self.runtime.plumbing.rate_windows)  # counted once, even if run twice
        request_id = (incoming.headers.get("x-request-id") or self.runtime.request_ids.next())[:128]
        if reads:
            with reading():
                outcome = self._transaction(incoming, request_id, rates, reads=True)
        if outcome is None:
            with request_locks():
                outcome = self._transaction(incoming, request_id, rates, reads=False)
        assert outcome is not None  # a write is never sent back to run again
        reply, ctx, entry = outcome
        if entry is not None:
            journal_writer.add(entry)
            batching = journal_writer.batching and ctx.plumbing is not None and not ctx.plumbing.shared
            if not (batching and reads):
                self.runtime.flush_journal()
        return reply, ctx.fault

    def _transaction(
        self, incoming: Incoming, request_id: str, rates: RequestRates, *, reads: bool
    ) -> tuple[Reply, RequestContext, dict[str, Any] | None] | None:
        """One attempt; None when a read must run again as a write."""
        binding, headers = incoming.binding, incoming.headers
        runtime = self.runtime
        settings = runtime.settings
        connection = runtime.db.request_connection()
        store = Store(connection, sessions=runtime.db.sessions)
        ctx = RequestContext(
            store=store,
            settings=settings,
            vendor=self.vendor.name,
            operation_id=binding.operation.operation_id if binding else "",
            method=incoming.method,
            path=incoming.full_path,
            request_id=request_id,
            headers=headers,
            rate_windows=rates,
            plumbing=runtime.plumbing if self.vendor.journaled else None,
        )
        violations: list[Violation] = []
        entry: dict[str, Any] | None = None
        stored: list[dict[str, Any]] | None = None  # journal entries written in this transaction
        try:
            with connection.begin():
                if ctx.plumbing is not None:
                    ctx.plumbing.refresh(store)
                try:
                    reply = steps.run(steps.Exchange(self.vendor, incoming, ctx, reads))
                except ApiError as err:
                    violations = list(err.violations)
                    reply = self.vendor.render_error(err, ctx)
                reply.headers = {**ctx.response_headers, **reply.headers}
                # An injected fault answers what the test asked for, documented or not.
                if binding is not None and settings.validate_responses and ctx.fault is None:
                    reply = self._check_response(ctx, binding, reply, violations)
                store.finish()
                if not reads and self.vendor.journaled:
                    _serialise(reply)
                    stored = runtime.journal.write_within(
                        connection, self._journal_entry(ctx, incoming, reply, violations)
                    )
        except Exception as exc:
            if stored:
                runtime.journal.put_back(stored[:-1])  # this request's own entry is made again below
                stored = None
            if reads and _upgrade_refused(exc):
                return None
            log.exception("%s %s failed", incoming.method, incoming.full_path)
            reply = self._server_error(ctx)
        finally:
            store.close()
        _serialise(reply)
        if self.vendor.journaled and stored is None:
            entry = self._journal_entry(ctx, incoming, reply, violations)
        return reply, ctx, entry

    def _check_response(
        self, ctx: RequestContext, binding: Binding, reply: Reply, violations: list[Violation]
    ) -> Reply:
        body = reply.body if reply.raw is None else _maybe_json(reply.raw)
        found = binding.response.check(reply.status, body)
        if not found:
            return reply
        log.error("response of %s does not match the spec: %s", binding.operation.operation_id, found)
        violations.extend(found)
        err = ApiError(500, "The simulator's response did not match its spec", details=[v.as_dict() for v in found])
        return self.vendor.render_error(err, ctx)

    def _server_error(self, ctx: RequestContext) -> Reply:
        try:
            return self.vendor.render_error(ApiError(500, "Internal server error"), ctx)
        except Exception:
            log.exception("rendering the error envelope failed")
            return Reply(500, {"error": "Internal server error"})

    def _journal_entry(
        self, ctx: RequestContext, incoming: Incoming, reply: Reply, violations: list[Violation]
    ) -> dict[str, Any]:
        binding, raw_body = incoming.binding, incoming.raw_body
        settings = self.runtime.settings
        limit = settings.journal_body_limit
        op_id = binding.operation.operation_id if binding else None
        request_body = response_body = None
        if settings.journal_bodies:
            parsed = ctx.body if isinstance(ctx.body, dict | list) else _maybe_json(raw_body)
            request_body = journal.body_text(raw_body, parsed, limit)
            if op_id in self.vendor.secret_operations and 200 <= reply.status < 300:
                response_body = journal.REDACTED
            else:
                response_body = journal.response_text(reply.raw or b"", limit)
        return dict(
            request_id=ctx.request_id,
            at=ctx.now(),
            vendor=self.vendor.name,
            tenant=ctx.principal.tenant if ctx.principal else None,
            operation_id=op_id,
            method=ctx.method,
            path=ctx.path,
            query=incoming.query_string[:2048],
            status=reply.status,
            duration_ms=(time.perf_counter() - incoming.started) * 1000.0,
            request_headers=journal.redact_headers(incoming.headers.items()),
            request_body=request_body,
            response_body=response_body,
            violations=journal.violations_json([*violations, *ctx.warnings]),
            violation_count=len(violations) + len(ctx.warnings),
            fault=ctx.fault.label if ctx.fault is not None else None,
        )

    async def _serve_spec(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        host = headers.get("host", "127.0.0.1")
        scheme = scope.get("scheme", "http")
        doc = dict(self.spec)
        doc["servers"] = [{"url": f"{scheme}://{host}{scope.get('root_path', '')}", "description": "lms-simulator"}]
        await Response(orjson.dumps(doc), media_type="application/json")(scope, receive, send)


# A vendor's routes depend only on its spec and its module-level handler table, so an app
# built per test (the `lms_sim` fixture) reuses them instead of building them again.
_ROUTES: dict[tuple[str, bool], tuple[Mapping[str, Any], list[SpecRoute]]] = {}


def _vendor_routes(spec_file: str, handlers: Mapping[str, Any], *, case_insensitive: bool) -> list[SpecRoute]:
    cached = _ROUTES.get((spec_file, case_insensitive))
    if cached is not None and cached[0] is handlers:
        return cached[1]
    routes = build_routes(spec_file, list(spec_operations(spec_file)), handlers, case_insensitive=case_insensitive)
    _ROUTES[(spec_file, case_insensitive)] = (handlers, routes)
    return routes


class _FormError(Exception):
    pass


async def _read_form(scope: Scope, raw_body: bytes) -> dict[str, list[str]]:
    """The form fields of a body already read (and size-checked): Starlette's parser, fed
    the body again through a `receive` of its own."""

    async def replay() -> Message:
        return {"type": "http.request", "body": raw_body, "more_body": False}

    try:
        form = await Request(scope, replay).form(max_files=0, max_fields=1000)
    except Exception as exc:  # python-multipart raises several kinds on malformed input
        raise _FormError(f"malformed form body: {exc}") from exc
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str):
            raise _FormError(f"file uploads are not accepted ({key})")
        out.setdefault(key, []).append(value)
    return out


def _upgrade_refused(exc: BaseException) -> bool:
    """A read transaction's first write was refused: on SQLite, another connection wrote since
    it began; on PostgreSQL, a read transaction is READ ONLY (25006; 25P02 once it failed)."""
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, sqlite3.OperationalError):
        return "locked" in str(orig)
    return getattr(orig, "sqlstate", None) in ("25006", "25P02")


def _serialise(reply: Reply) -> None:
    """The body as bytes, once: for the wire and the journal alike."""
    if reply.raw is None and reply.body is not None:
        reply.raw = orjson.dumps(reply.body)


def _maybe_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


async def _apply_fault(effect: faults.FaultEffect, reply: Reply, receive: Receive) -> Reply | None:
    """Shape the reply as the fault says; None when the connection was dropped instead."""
    if effect.kind in ("latency", "hang") and effect.delay_seconds > 0:
        await asyncio.sleep(effect.delay_seconds)
    if effect.kind in ("drop", "hang"):
        await _drop_connection(receive)
        return None
    if effect.kind == "empty":
        return Reply(effect.status or reply.status, headers=reply.headers, raw=b"")
    if effect.kind == "malformed":
        body = reply.raw if reply.raw is not None else orjson.dumps(reply.body)
        return Reply(effect.status or reply.status, headers=reply.headers, raw=body[: max(1, len(body) // 2)])
    return reply


class ConnectionDropped(ConnectionAbortedError):
    """Raised to in-process clients, which have no connection to drop."""


async def _drop_connection(receive: Receive) -> None:
    # ASGI has no "abort"; under uvicorn, the receive callable belongs to the request cycle,
    # which holds the transport. Closing it answers nothing, as a dropped connection would.
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionDropped("the connection was dropped by an injected fault")
    transport.abort()
    for _ in range(100):
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0)
    cycle.disconnected = True  # type: ignore[union-attr]


async def _send_reply(reply: Reply, scope: Scope, receive: Receive, send: Send) -> None:
    if reply.raw is not None:
        content = reply.raw
    elif reply.body is None:
        content = b""
    else:
        content = orjson.dumps(reply.body)
    media_type = reply.media_type if content or reply.raw is not None else None
    await Response(content, status_code=reply.status, headers=reply.headers, media_type=media_type)(
        scope, receive, send
    )
