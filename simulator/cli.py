"""`lms-sim`: serve the simulator, list or export its specs.

Bad flags, an unreadable fixture file or an unusable database give a one-line error
and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from simulator import __version__
from simulator.settings import DEFAULT_DB, DEFAULT_FIXTURES, Settings

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


class UsageError(Exception):
    """A problem with what the user asked for: reported in one line, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lms-sim", description="Offline simulator of LMS enrollment APIs.")
    parser.add_argument("--version", action="version", version=f"lms-sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve every vendor over HTTP")
    serve.add_argument("--host", default=os.environ.get("LMS_SIM_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("LMS_SIM_PORT", "8000")))
    serve.add_argument("--db", default=os.environ.get("LMS_SIM_DB", DEFAULT_DB), help="SQLite path or SQLAlchemy URL")
    serve.add_argument(
        "--fixtures",
        default=os.environ.get("LMS_SIM_FIXTURES", str(DEFAULT_FIXTURES)),
        help="fixture file or folder ('none' for an empty start)",
    )
    serve.add_argument("--fresh", action="store_true", help="drop the stored state and reload the fixtures")
    serve.add_argument("--seed", type=int, default=int(os.environ.get("LMS_SIM_SEED", "0")))
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", choices=LOG_LEVELS, default="warning")
    serve.add_argument(
        "--admin-token", default=os.environ.get("LMS_SIM_ADMIN_TOKEN"), help="require this bearer token on /_sim"
    )
    serve.add_argument(
        "--webhook-allow",
        action="append",
        default=_env_list("LMS_SIM_WEBHOOK_ALLOW"),
        metavar="HOST[:PORT]",
        help="also deliver webhooks to this host beyond loopback ('*': anywhere; repeatable)",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        default=_env_list("LMS_SIM_ALLOW_HOSTS"),
        metavar="NAME",
        help="on loopback, also answer /_sim and the dashboard under this Host name ('*': any; repeatable)",
    )
    serve.add_argument("--validate-responses", action="store_true", help="check every response against its spec")
    serve.add_argument("--contract-mode", choices=("strict", "lax"), default="strict")
    serve.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="VENDOR.NAME=VALUE",
        help="a vendor option, e.g. msportal.rate_limit_per_minute=60",
    )

    serve.add_argument(
        "--vendor-port",
        action="append",
        default=[],
        metavar="VENDOR=PORT",
        help="also serve a vendor at the root path of its own port (repeatable)",
    )

    for name, verb in (("export", "write the whole state to"), ("import", "replace the whole state with")):
        command = commands.add_parser(name, help=f"{verb} a JSON file")
        command.add_argument("file")
        command.add_argument("--db", default=os.environ.get("LMS_SIM_DB", DEFAULT_DB))

    generate = commands.add_parser("generate", help="write a large generated fixture document (tenants t1..tN)")
    generate.add_argument("--tenants", type=int, default=1)
    generate.add_argument("--users", type=int, default=100, help="users per tenant and vendor")
    generate.add_argument("--courses", type=int, default=10, help="courses (classes, contents) per tenant and vendor")
    generate.add_argument("--seed", type=int, default=0, help="the same seed writes the same file")
    generate.add_argument("--out", required=True, help="FILE.json (fast) or FILE.yaml")
    generate.add_argument("--vendors", help="comma-separated vendor names (default: every vendor)")
    generate.add_argument("--progress", action="store_true", help="show the progress bar even when not a terminal")

    specs = commands.add_parser("specs", help="list the bundled OpenAPI specs, or export them")
    specs.add_argument("--export", metavar="DIR", help="copy the specs into DIR")

    from simulator.contract.command import add_parser as add_contract_parser

    add_contract_parser(commands)
    return parser


def _env_list(name: str) -> list[str]:
    return [item for item in os.environ.get(name, "").replace(",", " ").split() if item]


def parse_options(values: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        vendor, dot, option = name.partition(".")
        if not sep or not dot or not vendor or not option:
            raise UsageError(f"--option takes VENDOR.NAME=VALUE, got {item!r}")
        value: Any = raw
        if raw.lstrip("-").isdigit():
            value = int(raw)
        elif raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        out.setdefault(vendor, {})[option] = value
    return out


def parse_vendor_ports(values: Sequence[str]) -> dict[str, int]:
    out = {}
    for item in values:
        vendor, sep, port = item.partition("=")
        if not sep or not port.isdigit() or not 0 < int(port) < 65536:
            raise UsageError(f"--vendor-port takes VENDOR=PORT, got {item!r}")
        out[vendor] = int(port)
    return out


def settings_from(args: argparse.Namespace) -> Settings:
    fixtures: Path | None = None
    if args.fixtures.lower() != "none":
        fixtures = Path(args.fixtures)
        if not fixtures.exists():
            raise UsageError(f"fixtures not found: {fixtures}")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be between 1 and 65535, got {args.port}")
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    return Settings(
        db=args.db,
        fixtures=fixtures,
        fresh=args.fresh,
        seed=args.seed,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        admin_token=args.admin_token,
        validate_responses=args.validate_responses,
        contract_mode=args.contract_mode,
        vendor_options=parse_options(args.option),
        vendor_ports=parse_vendor_ports(args.vendor_port),
        webhook_allow=list(args.webhook_allow),
        allowed_hosts=list(args.allow_host),
    )


def serve(settings: Settings) -> None:
    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError

    from simulator.app import SETTINGS_ENV, settings_to_env
    from simulator.core.fixtures import FixtureError
    from simulator.guards import is_loopback
    from simulator.runtime import Runtime

    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if "://" not in settings.db:
        Path(settings.db).expanduser().parent.mkdir(parents=True, exist_ok=True)
    try:
        runtime = Runtime(settings)
        runtime.bootstrap()
        runtime.db.dispose()
    except FixtureError as exc:
        raise UsageError(f"invalid fixtures: {exc}") from exc
    except (SQLAlchemyError, OSError, ModuleNotFoundError) as exc:
        raise UsageError(f"cannot use the database {settings.db!r}: {str(exc).splitlines()[0]}") from exc
    if not is_loopback(settings.host) and not settings.admin_token:
        print(
            f"warning: serving on {settings.host} without --admin-token: anyone who can reach it can reset it",
            file=sys.stderr,
        )
    unknown = sorted(set(settings.vendor_ports) - set(runtime.vendors))
    if unknown:
        raise UsageError(f"--vendor-port names unknown vendors: {', '.join(unknown)}")
    if settings.vendor_ports and settings.workers > 1:
        raise UsageError("--vendor-port serves from one process: use it with --workers 1")
    os.environ[SETTINGS_ENV] = settings_to_env(settings)
    vendors = ", ".join(sorted(runtime.vendors))
    print(
        f"lms-sim {__version__} on http://{settings.host}:{settings.port}  (vendors: {vendors}; admin: /_sim)",
        flush=True,
    )
    if settings.vendor_ports:
        from simulator.app import serve_with_vendor_ports

        serve_with_vendor_ports(settings)
        return
    uvicorn.run(
        "simulator.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        access_log=settings.log_level in ("info", "debug"),
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


# How long an idle keep-alive connection stays open. Uvicorn's default (5 s) makes pooled
# clients race the close: a request sent on a connection the server is just closing gets no
# answer, and clients do not retry a POST. The vendors' APIs sit behind load balancers that
# keep idle connections for about a minute.
KEEP_ALIVE_SECONDS = 60


def export_state(db: str, file: str) -> None:
    from simulator.core import snapshots

    database = _existing_database(db)
    with database.transaction() as session:
        # Issued tokens stay behind: after an import, clients authenticate again, as they
        # would after the vendor restarted. Configured demo credentials travel (they are
        # fixture data, listed at /_sim/vendors), so the file is written readable by its owner only.
        blob = snapshots.capture(session, leave_out=snapshots.issued_secret_tables())
    try:
        write_private(Path(file), blob)
    except OSError as exc:
        raise UsageError(f"cannot write {file}: {exc.strerror}") from exc
    print(f"exported the state of {database.url} to {file} ({len(blob):,} bytes; issued tokens left out)")


def write_private(target: Path, data: bytes) -> None:
    """Write `data` to `target`, readable by its owner only, whatever was there before.

    Through a new file created 0600 in the same folder and renamed into place: writing into
    an existing file would keep its mode (often 0644), and a reader never sees half a file."""
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:  # mkstemp creates the file 0600
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def import_state(db: str, file: str) -> None:
    import orjson

    from simulator.core import snapshots

    try:
        blob = Path(file).read_bytes()
        doc = orjson.loads(blob)
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror}") from exc
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"{file} is not a state export: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("version") != 1 or doc.get("tenant") is not None:
        raise UsageError(f"{file} is not a whole-state export of this simulator")
    database = _existing_database(db)
    try:
        with database.transaction() as session:
            snapshots.restore(session, blob)
    except Exception as exc:
        raise UsageError(f"{file} does not fit this database: {str(exc).splitlines()[0]}") from exc
    print(f"imported {file} into {database.url}")


def _existing_database(db: str) -> Any:
    from sqlalchemy.exc import SQLAlchemyError

    from simulator.core.db import Database

    if "://" not in db and not Path(db).exists():
        raise UsageError(f"no database at {db} (start the simulator once, or pass --db)")
    try:
        database = Database(db)
        database.create_schema()
    except (SQLAlchemyError, ModuleNotFoundError) as exc:
        raise UsageError(f"cannot use the database {db!r}: {str(exc).splitlines()[0]}") from exc
    return database


def specs(export: str | None) -> None:
    from simulator.core.spec import SPEC_DIR, load_spec

    files = sorted(SPEC_DIR.glob("*.yaml"))
    for file in files:
        doc = load_spec(file.name)
        print(f"{file.stem:<10} {doc['info']['title']}  ({len(doc.get('paths', {}))} paths)")
    if export:
        target = Path(export)
        try:
            target.mkdir(parents=True, exist_ok=True)
            for file in files:
                shutil.copy(file, target / file.name)
        except OSError as exc:
            raise UsageError(f"cannot export to {target}: {exc.strerror}") from exc
        print(f"exported {len(files)} specs to {target}")


def fail(message: str) -> NoReturn:
    print(f"lms-sim: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            serve(settings_from(args))
        elif args.command == "specs":
            specs(args.export)
        elif args.command == "export":
            export_state(args.db, args.file)
        elif args.command == "import":
            import_state(args.db, args.file)
        elif args.command == "generate":
            from simulator.generate import run as generate

            generate(args)
        elif args.command == "contract":
            from simulator.contract.command import ContractUsageError, run

            try:
                raise SystemExit(run(args))
            except ContractUsageError as exc:
                raise UsageError(str(exc)) from exc
    except UsageError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
