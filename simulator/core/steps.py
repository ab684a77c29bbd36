"""The steps a vendor request takes inside its database transaction, in order.

`STEPS` reads top to bottom as the request flows, the way Starlette's middleware list does:

    refuse_early → authenticate → lock_tenant → inject_fault → refuse_unauthenticated
    → parse_request → catch_up → dispatch

Each step gets the one `Exchange` of the request and either lets it go on (returns None),
answers it (returns a `Reply`), or refuses it (raises `ApiError`, which the pipeline renders
in the vendor's envelope). Faults come after authentication and before the refusal of a
failed one, so a fault rule for a tenant applies to that tenant's calls and a rule for
everyone applies to unauthenticated calls too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from simulator.core import faults
from simulator.core.context import Reply, RequestContext
from simulator.core.db import lock_for
from simulator.core.errors import ApiError, Violation
from simulator.core.routing import Binding
from simulator.core.vendor import VendorPlugin


@dataclass(frozen=True)
class Incoming:
    """A request as read off the connection: matched, its body read, nothing decided yet."""

    binding: Binding | None
    early_error: ApiError | None  # an answer known before any step runs (404, 405, 413, bad form)
    method: str
    full_path: str  # as sent, with the vendor's prefix
    path: str  # within the vendor (the prefix stripped once, here)
    path_params: Mapping[str, str]
    query_string: str
    headers: Mapping[str, str]  # names in lower case
    raw_body: bytes
    form: Mapping[str, list[str]] | None
    started: float


@dataclass
class Exchange:
    """One request on its way through the steps of one transaction attempt."""

    vendor: VendorPlugin
    incoming: Incoming
    ctx: RequestContext
    reads: bool  # a read transaction: no lock, no savepoint
    auth_error: ApiError | None = None

    @property
    def binding(self) -> Binding:
        assert self.incoming.binding is not None  # refuse_early answered every request without one
        return self.incoming.binding


Step = Callable[[Exchange], Reply | None]


def refuse_early(x: Exchange) -> None:
    if x.incoming.early_error is not None:
        raise x.incoming.early_error


def authenticate(x: Exchange) -> None:
    """Who is calling. A failure is held until the faults had their turn."""
    try:
        principal = x.vendor.authenticate(x.ctx, x.binding.operation)
        if principal is not None:
            x.ctx.authenticate_as(principal)
    except ApiError as err:
        x.auth_error = err


def lock_tenant(x: Exchange) -> None:
    """A write waits for the other writes of its tenant (PostgreSQL; SQLite locked at BEGIN)."""
    if not x.reads and x.auth_error is None:
        lock_for(x.ctx.store.connection, x.ctx.principal.tenant if x.ctx.principal else None)


def inject_fault(x: Exchange) -> Reply | None:
    """The fault rule that fires for this request, if any (never on the control API)."""
    ctx = x.ctx
    if not x.vendor.journaled or ctx.plumbing is None or not ctx.plumbing.rules:
        return None
    effect = faults.decide(
        ctx.session,
        ctx.settings.seed,
        ctx.plumbing.rules,
        vendor=x.vendor.name,
        operation_id=ctx.operation_id,
        method=ctx.method,
        path=x.incoming.path,
        tenant=ctx.principal.tenant if ctx.principal else None,
    )
    ctx.fault = effect
    if effect is None:
        return None
    if effect.kind == "error":
        assert effect.status is not None
        headers = {"Retry-After": str(effect.retry_after)} if effect.status in (429, 503) else {}
        if effect.status == 429 and "X-RateLimit-Remaining" in ctx.response_headers:
            ctx.response_headers["X-RateLimit-Remaining"] = "0"
        raise ApiError(effect.status, effect.message, headers=headers)
    if effect.kind in faults.SKIPS_HANDLER:
        return Reply(0)  # never sent: the connection is dropped
    return None


def refuse_unauthenticated(x: Exchange) -> None:
    if x.auth_error is not None:
        raise x.auth_error


def parse_request(x: Exchange) -> None:
    """Path, query, headers and body against the spec. Violations refuse the request in strict
    contract mode; otherwise it is served and they are journaled as warnings."""
    ctx, incoming, vendor = x.ctx, x.incoming, x.vendor
    try:
        query = parse_qsl(incoming.query_string, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise vendor.validation_error([Violation("query", "the query string is not valid UTF-8")]) from None
    headers = incoming.headers
    parsed = x.binding.request.parse(
        incoming.path_params,
        query,
        headers,
        headers.get("content-type", ""),
        incoming.raw_body,
        incoming.form,
        fold_names=vendor.case_insensitive_names,
    )
    ctx.warnings.extend(parsed.warnings)
    if parsed.violations:
        invalid = vendor.validation_error(parsed.violations)
        invalid.violations = parsed.violations
        if ctx.settings.contract_mode == "strict":
            raise invalid
        ctx.warnings.extend(parsed.violations)
    ctx.path_params, ctx.query, ctx.raw_query, ctx.body = parsed.path_params, parsed.query, query, parsed.body
    if ctx.settings.contract_mode != "strict":
        ctx.path_params = {**incoming.path_params, **parsed.path_params}


def catch_up(x: Exchange) -> None:
    """Statuses that came due with the clock, brought up to now before the handler reads them."""
    if x.vendor.catch_up is not None and x.ctx.principal is not None:
        x.vendor.catch_up(x.ctx.store, x.ctx.tenant, x.ctx.now())


def dispatch(x: Exchange) -> Reply:
    if x.reads:
        return x.binding.handler(x.ctx)
    # A savepoint: an ApiError undoes the handler's writes but keeps what came before (the
    # fault rule's counters). On the connection itself, so that it holds the handler's
    # `Statement` writes and its session's alike, and costs no session when the handler
    # needs none.
    with x.ctx.store.savepoint():
        return x.binding.handler(x.ctx)


STEPS: tuple[Step, ...] = (
    refuse_early,
    authenticate,
    lock_tenant,
    inject_fault,
    refuse_unauthenticated,
    parse_request,
    catch_up,
    dispatch,
)


def run(x: Exchange) -> Reply:
    """The steps in order, up to the first that answers (`dispatch` always does)."""
    for step in STEPS:
        reply = step(x)
        if reply is not None:
            return reply
    raise AssertionError("dispatch answers every request that reaches it")
