"""The ceiling: a bare Starlette endpoint on the same uvicorn settings as the simulator."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODY = b'{"data":{"id":"ac040000-0000-4000-8000-000000000001","status":"completed","progress":100}}'


async def endpoint(request: Request) -> Response:
    await request.body()
    return Response(BODY, media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "PATCH", "PUT", "POST"])])
