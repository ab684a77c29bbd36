"""The ASGI application: every vendor mounted at its own prefix, plus the control API.

/<vendor>/...        the vendor's own paths (see specs/<vendor>.yaml)
/<vendor>/openapi.json  that spec, with servers[0].url set to where it is served
/_sim/...            the control API (specs/simulator.yaml)
/                    the sandbox dashboard for browsers (simulator/dashboard); JSON index otherwise
/_dashboard/...      the dashboard's fragments, assets and figures
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from simulator.admin.service import build_admin
from simulator.core.pipeline import ServiceApp
from simulator.dashboard.views import build_routes as dashboard_routes
from simulator.guards import Guards
from simulator.runtime import Runtime
from simulator.settings import Settings

SETTINGS_ENV = "LMS_SIM_SETTINGS"


def create_app(
    settings: Settings | None = None, *, bootstrap: bool = True, runtime: Runtime | None = None
) -> Starlette:
    """Build the app. With `bootstrap`, create the schema and load fixtures if the database is empty."""
    runtime = runtime or Runtime(settings or Settings())
    if bootstrap:
        runtime.bootstrap()

    async def index(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "name": "lms-simulator",
                "vendors": {name: f"{base}/{name}" for name in runtime.vendors},
                "admin": f"{base}/_sim",
            }
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime.db.start_background_checkpoints()
        runtime.start_serving()
        yield
        runtime.stop_serving()
        runtime.close()

    services = {name: ServiceApp(runtime, vendor) for name, vendor in runtime.vendors.items()}
    services["_sim"] = ServiceApp(runtime, build_admin(runtime))
    app = Starlette(routes=dashboard_routes(runtime, index), lifespan=lifespan)
    app.state.runtime = runtime
    app.add_middleware(PrefixDispatch, services=services)
    app.add_middleware(Guards, settings=runtime.settings)
    return app


class PrefixDispatch:
    """Hands `/<service>/...` to that service's app, with `root_path` set as a Mount would.

    Starlette's Mount matches with a regex whose `.` stops at a newline, so a path like
    `/docebo/x/%0A` fell through to a plain-text 404; a prefix test has no such gap and
    keeps every answer in the vendor's own envelope.
    """

    def __init__(self, app: ASGIApp, services: dict[str, ServiceApp]) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            name = path[1:].split("/", 1)[0]
            service = self.services.get(name)
            if service is not None:
                root = scope.get("root_path", "") + "/" + name
                await service({**scope, "root_path": root, "path": root + path[len(name) + 1 :]}, receive, send)
                return
        await self.app(scope, receive, send)


def settings_to_env(settings: Settings) -> str:
    data = dict(settings.__dict__)
    data["fixtures"] = str(settings.fixtures) if settings.fixtures else None
    return json.dumps(data)


def app_from_env() -> Starlette:
    """Factory for uvicorn workers: the parent process already bootstrapped the database."""
    data = json.loads(os.environ[SETTINGS_ENV])
    data["fixtures"] = Path(data["fixtures"]) if data.get("fixtures") else None
    return create_app(Settings(**data), bootstrap=False)
