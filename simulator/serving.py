"""`lms-sim serve`: bind, prepare the database, say where it is served, then serve.

The order is what a user relies on: the listening sockets are bound first (a taken port is
a one-line error before any slow fixture loading), then the database is prepared (with
progress on a terminal and one closing line), and only then is the banner printed, with the
port that was really bound (`--port 0` asks the system for a free one).
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from simulator import __version__
from simulator.guards import is_loopback
from simulator.progress import terminal_progress
from simulator.settings import DEFAULT_FIXTURES, Settings
from simulator.usage import UsageError

if TYPE_CHECKING:
    from simulator.runtime import Runtime

# How long an idle keep-alive connection stays open. Uvicorn's default (5 s) makes pooled
# clients race the close: a request sent on a connection the server is just closing gets no
# answer, and clients do not retry a POST. The vendors' APIs sit behind load balancers that
# keep idle connections for about a minute.
KEEP_ALIVE_SECONDS = 60
BACKLOG = 2048  # uvicorn's own default


def exposure_warning(settings: Settings) -> str | None:
    """What to tell a user who serves the control API beyond this machine without a token."""
    if is_loopback(settings.host) or settings.admin_token:
        return None
    return f"warning: serving on {settings.host} without --admin-token: anyone who can reach it can reset it"


def bind(host: str, port: int) -> socket.socket:
    """A socket listening on host:port (port 0: a free one), ready to hand to uvicorn."""
    address = host.strip("[]")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        # Listening now means a client that connects as soon as the banner is printed waits in
        # the backlog until uvicorn takes over, instead of being refused.
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        reason = "the port is in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        raise UsageError(f"cannot listen on {host}:{port}: {reason}") from exc
    sock.set_inheritable(True)  # several workers share it
    return sock


def check_database_path(db: str) -> None:
    """A SQLite file path must be somewhere this user can create and write the file."""
    if "://" in db:
        return
    path = Path(db).expanduser()
    if path.parent.exists() and not path.parent.is_dir():
        raise UsageError(f"cannot use --db {db}: {path.parent} is not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the folder for --db {db}: {exc.strerror}") from exc
    target = path if path.exists() else path.parent
    if not os.access(target, os.W_OK):
        raise UsageError(f"cannot write the database at {db}: permission denied")


def prepare(settings: Settings, *, fixtures_given: bool) -> list[str]:
    """Create or open the database, loading the fixtures when it holds no state yet.

    Prints one line saying what happened; returns the names of the vendors served.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from simulator.core import clock
    from simulator.core.fixtures import FixtureError
    from simulator.runtime import Runtime

    started = clock.monotonic()
    try:
        runtime = Runtime(settings)
        loaded = runtime.bootstrap(progress=terminal_progress())
        records = _record_count(runtime) if loaded else 0
        runtime.db.dispose()
    except FixtureError as exc:
        raise UsageError(f"invalid fixtures: {exc}") from exc
    except (SQLAlchemyError, OSError, ModuleNotFoundError) as exc:
        raise UsageError(f"cannot use the database {settings.db!r}: {str(exc).splitlines()[0]}") from exc
    took = clock.monotonic() - started
    if loaded and settings.fixtures is not None:
        source = "the demo fixtures" if settings.fixtures == DEFAULT_FIXTURES else str(settings.fixtures)
        print(f"loaded {source} into {settings.db}: {records:,} records in {took:.1f} s", flush=True)
    elif loaded:
        print(f"started {settings.db} empty (--fixtures none)", flush=True)
    elif fixtures_given:
        print(
            f"kept the existing state of {settings.db}: {settings.fixtures} was not loaded "
            "(add --fresh to replace the state with it)",
            flush=True,
        )
    else:
        print(f"serving the existing state of {settings.db} (--fresh reloads the fixtures)", flush=True)
    return sorted(runtime.vendors)


def _record_count(runtime: Runtime) -> int:
    with runtime.db.transaction() as session:
        return sum(runtime.table_counts(session).values())


def serve(settings: Settings, *, fixtures_given: bool = False) -> None:
    """Serve until interrupted; every problem the user can fix is a UsageError."""
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if settings.vendor_ports and settings.workers > 1:
        raise UsageError("--vendor-port serves from one process: use it with --workers 1")
    _check_vendor_names(settings.vendor_ports)
    check_database_path(settings.db)
    sockets: dict[str | None, socket.socket] = {None: bind(settings.host, settings.port)}
    for name, port in settings.vendor_ports.items():
        sockets[name] = bind(settings.host, port)
    vendors = prepare(settings, fixtures_given=fixtures_given)
    warning = exposure_warning(settings)
    if warning:
        print(warning, file=sys.stderr)
    port = sockets[None].getsockname()[1]
    host = f"[{settings.host.strip('[]')}]" if ":" in settings.host else settings.host
    print(f"lms-sim {__version__} on http://{host}:{port}  (vendors: {', '.join(vendors)}; admin: /_sim)", flush=True)
    for vendor, sock in sockets.items():
        if vendor is not None:
            print(f"  {vendor} also at http://{host}:{sock.getsockname()[1]}/", flush=True)
    if settings.vendor_ports:
        _serve_with_vendor_ports(settings, sockets)
    else:
        _serve_app(settings, sockets[None])


def _check_vendor_names(names: Iterable[str]) -> None:
    from simulator.vendors import all_vendors

    unknown = sorted(set(names) - {vendor.name for vendor in all_vendors()})
    if unknown:
        raise UsageError(f"--vendor-port names unknown vendors: {', '.join(unknown)}")


def _serve_app(settings: Settings, sock: socket.socket) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from simulator.app import SETTINGS_ENV, settings_to_env

    os.environ[SETTINGS_ENV] = settings_to_env(settings)
    config = uvicorn.Config(
        "simulator.app:app_from_env",
        factory=True,
        workers=settings.workers,
        log_level=settings.log_level,
        access_log=settings.log_level in ("info", "debug"),
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    if settings.workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])


def _serve_with_vendor_ports(settings: Settings, sockets: dict[str | None, socket.socket]) -> None:
    """The app on its port and each named vendor at the root of its own port, in one process."""
    import asyncio

    import uvicorn

    from simulator.app import create_app
    from simulator.core.pipeline import ServiceApp
    from simulator.guards import Guards

    app = create_app(settings, bootstrap=False)
    runtime: Runtime = app.state.runtime
    main_config = uvicorn.Config(app, log_level=settings.log_level, timeout_keep_alive=KEEP_ALIVE_SECONDS)
    servers: list[tuple[uvicorn.Config, str | None]] = [(main_config, None)]
    for name in settings.vendor_ports:
        vendor_app = Guards(ServiceApp(runtime, runtime.vendors[name]), settings, control_plane=False)
        config = uvicorn.Config(
            vendor_app, log_level=settings.log_level, lifespan="off", timeout_keep_alive=KEEP_ALIVE_SECONDS
        )
        servers.append((config, name))

    async def serve_all() -> None:
        await asyncio.gather(*(uvicorn.Server(config).serve(sockets=[sockets[name]]) for config, name in servers))

    asyncio.run(serve_all())
