"""The dashboard's routes: the page, its HTML fragments, and JSON for what `/_sim` does not offer.

Everything that changes state (clock, faults, reset, snapshots) and the journal goes
through `/_sim` from the page's script; these routes only read (apart from bringing
time-driven statuses up to the clock, which any vendor request does too).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from simulator import __version__
from simulator.core import clock
from simulator.core.browse import EnrollmentDetail, EnrollmentSummary
from simulator.dashboard import access, charts, reference, stats
from simulator.dashboard.queries import BadQuery, browsable, enrollment_query, integer, text

if TYPE_CHECKING:
    import jinja2

    from simulator.runtime import Runtime

PREFIX = "/_dashboard"
Endpoint = Callable[[Request], Awaitable[Response]]


@functools.cache
def _templates() -> jinja2.Environment:
    """Built on the first page view: importing Jinja2 would add a tenth of a second to every start."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("simulator.dashboard", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["iso"] = lambda value: clock.iso(value) or ""
    env.filters["hue"] = _hue
    env.filters["fill_path"] = _fill_path
    return env


def _fill_path(path: str, parameters: list[dict[str, Any]]) -> str:
    """The path with each path parameter replaced by the spec's example (for "Try it")."""
    for p in parameters:
        if p["in"] == "path" and p["example"] is not None:
            path = path.replace("{" + p["name"] + "}", str(p["example"]))
    return path


def _hue(name: str) -> int:
    """A colour per tenant, the same on every page and every run (tells rows apart at a glance)."""
    return sum((i + 1) * ord(c) for i, c in enumerate(name)) * 47 % 360


def _summary_json(row: EnrollmentSummary) -> dict[str, Any]:
    out = dataclasses.asdict(row)
    out["due"], out["updated"] = clock.iso(row.due), clock.iso(row.updated)
    return out


def _detail_json(detail: EnrollmentDetail) -> dict[str, Any]:
    def node(n: Any) -> dict[str, Any]:
        return {"label": n.label, "status": n.status, "note": n.note, "children": [node(c) for c in n.children]}

    return {
        "summary": _summary_json(detail.summary),
        "fields": dict(detail.fields),
        "historyTitle": detail.history_title,
        "history": list(detail.history),
        "treeTitle": detail.tree_title,
        "tree": [node(n) for n in detail.tree],
    }


class Dashboard:
    def __init__(self, runtime: Runtime, index: Endpoint) -> None:
        self.runtime = runtime
        self.index = index
        self.token = runtime.settings.admin_token
        self.access = access.DashboardAccess(runtime.db, self.token)

    # -- plumbing ---------------------------------------------------------------------------

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(_templates().get_template(name).render(**context), status_code=status)

    def guarded(self, handler: Callable[[Request, Session], Response], *, html: bool) -> Endpoint:
        """Check the admin token, open a read transaction, and turn bad input into a 4xx."""

        async def endpoint(request: Request) -> Response:
            if not self.access.authorized(request):
                return self.failure(401, "Unauthorized: this simulator requires its admin token", html=html)
            try:
                with self.runtime.db.transaction() as session:
                    # A running clock moves statuses between requests: show them as of now,
                    # as a vendor request would (the pipeline catches up before each handler).
                    self.runtime.catch_up_all(session)
                    return handler(request, session)
            except BadQuery as exc:
                return self.failure(exc.status, str(exc), html=html)

        return endpoint

    def failure(self, status: int, message: str, *, html: bool) -> Response:
        if html:
            return self.render("_error.html", status, message=message)
        codes = {400: "invalid_request", 401: "unauthorized", 404: "not_found"}
        return JSONResponse({"error": message, "code": codes.get(status, "error"), "details": None}, status)

    def routes(self) -> list[BaseRoute]:
        static = StaticFiles(packages=[("simulator.dashboard", "static")])
        return [
            Route("/", self.page),
            Route(f"{PREFIX}/login", self.login, methods=["POST"]),
            Route(f"{PREFIX}/logout", self.logout, methods=["POST"]),
            Route(f"{PREFIX}/partials/overview", self.guarded(self.overview_html, html=True)),
            Route(f"{PREFIX}/partials/enrollments", self.guarded(self.enrollments_html, html=True)),
            Route(f"{PREFIX}/partials/enrollment", self.guarded(self.enrollment_html, html=True)),
            Route(f"{PREFIX}/partials/charts", self.guarded(self.charts_html, html=True)),
            Route(f"{PREFIX}/api/overview", self.guarded(self.overview_json, html=False)),
            Route(f"{PREFIX}/api/enrollments/{{vendor}}", self.guarded(self.enrollments_json, html=False)),
            Route(
                f"{PREFIX}/api/enrollments/{{vendor}}/{{tenant}}/{{id}}",
                self.guarded(self.enrollment_json, html=False),
            ),
            Route(f"{PREFIX}/api/traffic", self.guarded(self.traffic_json, html=False)),
            Route(f"{PREFIX}/reference/{{vendor}}", self.guarded(self.reference_html, html=True)),
            Mount(f"{PREFIX}/static", static, name="dashboard-static"),
        ]

    # -- the page and signing in ------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        if "text/html" not in request.headers.get("accept", ""):
            return await self.index(request)  # curl and API clients keep the JSON index
        if not self.access.authorized(request):
            return self.render("login.html", 401, error=None, version=__version__)
        with self.runtime.db.transaction() as session:
            self.runtime.catch_up_all(session)
            context = self.overview_context(request, session)
        statuses = {name: [dataclasses.asdict(s) for s in hooks.statuses] for name, hooks in context["hooks"].items()}
        rate_limits = {
            name: list(v.extra["rate_limit_profiles"])
            for name, v in self.runtime.vendors.items()
            if v.extra.get("rate_limit_profiles")
        }
        return self.render(
            "page.html",
            token=self.token or "",
            version=__version__,
            hooks_statuses=statuses,
            rate_limits=rate_limits,
            **context,
        )

    async def login(self, request: Request) -> Response:
        form = await request.form()
        given = form.get("token")
        if not self.token:
            return RedirectResponse("/", 303)
        if not isinstance(given, str) or not access.token_matches(given, self.token):
            return self.render(
                "login.html", 401, error="That is not this simulator's admin token.", version=__version__
            )
        response = RedirectResponse("/", 303)
        self.access.sign_in(request, response)
        return response

    async def logout(self, request: Request) -> Response:
        response = RedirectResponse("/", 303)
        self.access.sign_out(request, response)
        return response

    # -- overview -------------------------------------------------------------------------

    def overview_data(self, request: Request, session: Session) -> dict[str, Any]:
        base = str(request.base_url).rstrip("/")
        records = stats.record_counts(session, self.runtime.vendors.values())
        vendors = []
        for vendor in self.runtime.vendors.values():
            statuses = vendor.dashboard.status_counts(session) if vendor.dashboard else {}
            credentials = vendor.credentials(session) if vendor.credentials else []
            vendors.append(
                {
                    "name": vendor.name,
                    "title": vendor.title,
                    "baseUrl": f"{base}/{vendor.name}",
                    "specUrl": f"{base}/{vendor.name}/openapi.json",
                    "upstreamUrl": vendor.upstream_url,
                    "records": records.get(vendor.name, {}),
                    "enrollments": {t: sum(c.values()) for t, c in statuses.items()},
                    "statusCounts": statuses,
                    "credentials": [
                        {"tenant": c.tenant, "kind": c.kind, "values": dict(c.values), "note": c.note}
                        for c in credentials
                    ],
                }
            )
        return {
            "clock": {"now": clock.iso(clock.now(session), millis=True), "frozen": clock.is_frozen(session)},
            "tenants": self.runtime.tenants(session),
            "vendors": vendors,
        }

    def overview_context(self, request: Request, session: Session) -> dict[str, Any]:
        data = self.overview_data(request, session)
        hooks = {name: v.dashboard for name, v in self.runtime.vendors.items() if v.dashboard}
        return {**data, "hooks": hooks}

    def overview_json(self, request: Request, session: Session) -> Response:
        return JSONResponse(self.overview_data(request, session))

    def overview_html(self, request: Request, session: Session) -> Response:
        return self.render("_overview.html", **self.overview_context(request, session))

    # -- enrollments ----------------------------------------------------------------------

    def _listing(self, request: Request, session: Session, vendor_name: str | None) -> dict[str, Any]:
        vendor, hooks = browsable(self.runtime.vendors, vendor_name)
        query = enrollment_query(request.query_params, self.runtime.tenants(session))
        rows, total = hooks.list_enrollments(session, query)
        return {"vendor": vendor, "hooks": hooks, "query": query, "rows": rows, "total": total}

    def enrollments_json(self, request: Request, session: Session) -> Response:
        found = self._listing(request, session, request.path_params["vendor"])
        return JSONResponse(
            {"enrollments": [_summary_json(r) for r in found["rows"]], "total": found["total"]},
        )

    def enrollments_html(self, request: Request, session: Session) -> Response:
        return self.render("_enrollments.html", **self._listing(request, session, request.query_params.get("vendor")))

    def _detail(self, session: Session, vendor_name: str | None, tenant: str | None, key: str | None) -> Any:
        vendor, hooks = browsable(self.runtime.vendors, vendor_name)
        if not tenant or not key:
            raise BadQuery(400, "give tenant and id")
        detail = hooks.get_enrollment(session, tenant, key)
        if detail is None:
            raise BadQuery(404, f"no {vendor.name} enrollment {key!r} in tenant {tenant!r}")
        return vendor, hooks, detail

    def enrollment_json(self, request: Request, session: Session) -> Response:
        p = request.path_params
        _, _, detail = self._detail(session, p["vendor"], p["tenant"], p["id"])
        return JSONResponse(_detail_json(detail))

    def enrollment_html(self, request: Request, session: Session) -> Response:
        q = request.query_params
        vendor, hooks, detail = self._detail(session, q.get("vendor"), q.get("tenant"), q.get("id"))
        return self.render("_detail.html", vendor=vendor, hooks=hooks, detail=detail)

    # -- API reference --------------------------------------------------------------------

    def reference_html(self, request: Request, session: Session) -> Response:
        vendor = self.runtime.vendors.get(request.path_params["vendor"])
        if vendor is None:
            raise BadQuery(404, f"no vendor {request.path_params['vendor']!r}")
        credentials = vendor.credentials(session) if vendor.credentials else []
        first = credentials[0] if credentials else None
        values: dict[str, Any] = dict(first.values) if first else {}
        credential = {
            "tenant": first.tenant if first else "",
            "kind": first.kind if first else "none",
            "note": first.note if first else "",
            "values": values,
        }
        return self.render(
            "reference.html",
            vendor=vendor,
            vendor_names=list(self.runtime.vendors),
            base=f"{str(request.base_url).rstrip('/')}/{vendor.name}",
            credential=credential,
            headers=reference.demo_headers(vendor.name, values),
            token_request=reference.token_request(vendor.name, values),
            operations=reference.operations(vendor.spec_file),
            schemas=reference.schemas(vendor.spec_file),
        )

    # -- charts ---------------------------------------------------------------------------

    def _traffic(self, request: Request, session: Session) -> stats.Traffic:
        window = integer(request.query_params, "window", 300, 60, 86_400)
        vendor = text(request.query_params, "vendor")
        if vendor is not None and vendor not in self.runtime.vendors:
            raise BadQuery(404, f"unknown vendor: {vendor!r}")
        return stats.traffic(session, window_seconds=window, vendor=vendor)

    def traffic_json(self, request: Request, session: Session) -> Response:
        data = self._traffic(request, session)
        return JSONResponse(
            {
                "windowSeconds": data.window_seconds,
                "bucketSeconds": data.bucket_seconds,
                "buckets": [
                    {"start": clock.iso(b.start), "requests": b.requests, "errors": b.errors} for b in data.buckets
                ],
            }
        )

    def charts_html(self, request: Request, session: Session) -> Response:
        bars = [
            charts.status_bar(name, vendor.dashboard, vendor.dashboard.status_counts(session))
            for name, vendor in self.runtime.vendors.items()
            if vendor.dashboard
        ]
        plot = charts.traffic_plot(self._traffic(request, session))
        return self.render("_charts.html", bars=bars, plot=plot, width=charts.BAR_WIDTH, height=charts.PLOT_HEIGHT)


def build_routes(runtime: Runtime, index: Endpoint) -> list[BaseRoute]:
    return Dashboard(runtime, index).routes()
