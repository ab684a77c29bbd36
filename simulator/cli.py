"""`lms-sim`: serve the simulator, list or export its specs, generate data, run contract tests.

Bad flags, an unreadable fixture file, a taken port or an unusable database give a one-line
error and exit code 2, never a traceback. Every option can also be set by the environment
variable its help names. Nothing heavy is imported to parse the command line: each command
imports what it needs, so `lms-sim --help` runs on the runtime dependencies alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from simulator import __version__
from simulator.settings import DEFAULT_DB, DEFAULT_FIXTURES, Settings
from simulator.usage import UsageError

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
TRUE_WORDS = ("1", "true", "yes", "on")
CONTRACT_HELP = "run Schemathesis against a running simulator (lms-sim contract --help for its options)"

__all__ = ["UsageError", "main"]


def _option(
    parser: argparse.ArgumentParser,
    flag: str,
    env: str | None,
    help: str,
    *,
    default: Any = None,
    shown_default: str | None = None,
    **kwargs: Any,
) -> None:
    """Add `flag`, taking its default from `env` when set, with both named in its help.

    `shown_default` replaces the default in the help (a secret's value is never printed).
    """
    notes = []
    if shown_default is None:
        shown_default = "off" if kwargs.get("action") == "store_true" else "none" if default in (None, []) else default
    notes.append(f"default: {shown_default}")
    if env:
        notes.append(f"env {env}")
        if env in os.environ:
            raw = os.environ[env]
            if kwargs.get("action") == "store_true":
                default = raw.lower() in TRUE_WORDS
            elif kwargs.get("action") == "append":
                default = _env_list(env)
            else:
                default = raw  # argparse converts a string default with the option's type
    parser.add_argument(flag, default=default, help=f"{help} ({'; '.join(notes)})" if notes else help, **kwargs)


def _serve_parser(commands: Any) -> None:
    serve = commands.add_parser("serve", help="serve every vendor over HTTP")
    _option(serve, "--host", "LMS_SIM_HOST", "address to listen on", default="127.0.0.1")
    _option(serve, "--port", "LMS_SIM_PORT", "port to listen on; 0 picks a free one", default=8000, type=int)
    _option(serve, "--db", "LMS_SIM_DB", "SQLite file or SQLAlchemy URL", default=DEFAULT_DB)
    _option(
        serve,
        "--fixtures",
        "LMS_SIM_FIXTURES",
        "fixture file or folder loaded into an empty database; 'none' starts empty",
        shown_default="the bundled demo fixtures",
    )
    _option(serve, "--fresh", "LMS_SIM_FRESH", "drop the stored state and load the fixtures", action="store_true")
    _option(serve, "--seed", "LMS_SIM_SEED", "seed of generated ids and fault probabilities", default=0, type=int)
    _option(serve, "--workers", "LMS_SIM_WORKERS", "worker processes", default=1, type=int)
    _option(serve, "--log-level", "LMS_SIM_LOG_LEVEL", "log level", default="warning", choices=LOG_LEVELS)
    _option(
        serve,
        "--admin-token",
        "LMS_SIM_ADMIN_TOKEN",
        "require 'Authorization: Bearer TOKEN' on /_sim and the dashboard",
        shown_default="none",
    )
    _option(
        serve,
        "--webhook-allow",
        "LMS_SIM_WEBHOOK_ALLOW",
        "also deliver webhooks to this host beyond loopback ('*': anywhere; repeatable; the variable: a list)",
        default=[],
        action="append",
        metavar="HOST[:PORT]",
    )
    _option(
        serve,
        "--allow-host",
        "LMS_SIM_ALLOW_HOSTS",
        "on loopback, also answer /_sim and the dashboard under this Host name ('*': any; repeatable)",
        default=[],
        action="append",
        metavar="NAME",
    )
    _option(
        serve,
        "--validate-responses",
        "LMS_SIM_VALIDATE_RESPONSES",
        "check every response against its spec",
        action="store_true",
    )
    _option(
        serve,
        "--contract-mode",
        "LMS_SIM_CONTRACT_MODE",
        "strict: refuse requests that break the spec; lax: record them and answer",
        default="strict",
        choices=("strict", "lax"),
    )
    _option(
        serve,
        "--option",
        "LMS_SIM_OPTIONS",
        "a vendor option, e.g. msportal.rate_limit_per_minute=60 (repeatable; the variable: a list)",
        default=[],
        action="append",
        metavar="VENDOR.NAME=VALUE",
    )
    _option(
        serve,
        "--vendor-port",
        "LMS_SIM_VENDOR_PORTS",
        "also serve a vendor at the root path of its own port (repeatable; the variable: a list)",
        default=[],
        action="append",
        metavar="VENDOR=PORT",
    )


def _parser(*, with_contract: bool = False) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lms-sim", description="Offline simulator of LMS enrollment APIs.")
    parser.add_argument("--version", action="version", version=f"lms-sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    _serve_parser(commands)

    for name, verb in (("export", "write the whole state to"), ("import", "replace the whole state with")):
        command = commands.add_parser(name, help=f"{verb} a JSON file")
        command.add_argument("file")
        _option(command, "--db", "LMS_SIM_DB", "SQLite file or SQLAlchemy URL", default=DEFAULT_DB)

    generate = commands.add_parser("generate", help="write a large generated fixture document (tenants t1..tN)")
    generate.add_argument("--tenants", type=int, default=1, help="tenants (default: 1)")
    generate.add_argument("--users", type=int, default=100, help="users per tenant and vendor (default: 100)")
    generate.add_argument(
        "--courses", type=int, default=10, help="courses (classes, contents) per tenant and vendor (default: 10)"
    )
    generate.add_argument("--seed", type=int, default=0, help="the same seed writes the same file (default: 0)")
    generate.add_argument("--out", required=True, help="FILE.json (fast to load) or FILE.yaml")
    generate.add_argument("--vendors", help="comma-separated vendor names (default: every vendor)")
    generate.add_argument("--progress", action="store_true", help="show the progress bar even when not a terminal")

    specs = commands.add_parser("specs", help="list the bundled OpenAPI specs, or export them")
    specs.add_argument("--export", metavar="DIR", help="copy the specs into DIR")

    if with_contract:
        # Imported only for `lms-sim contract`: it brings Schemathesis, which serving never needs.
        try:
            from simulator.contract.command import add_parser as add_contract_parser
        except ModuleNotFoundError as exc:
            fail(f"lms-sim contract needs {exc.name}, which this installation lacks: pip install lms-simulator")
        add_contract_parser(commands)
    else:
        commands.add_parser("contract", help=CONTRACT_HELP, add_help=False)
    return parser


def _env_list(name: str) -> list[str]:
    """A repeatable option's values from its variable: separated by spaces or commas."""
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
        if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
            raise UsageError(f"--vendor-port takes VENDOR=PORT, got {item!r}")
        out[vendor] = int(port)
    return out


def settings_from(args: argparse.Namespace) -> Settings:
    fixtures: Path | None = DEFAULT_FIXTURES
    if args.fixtures is not None:
        fixtures = None if args.fixtures.lower() == "none" else Path(args.fixtures)
    if fixtures is not None and not fixtures.exists():
        raise UsageError(f"fixtures not found: {fixtures}")
    if not 0 <= args.port < 65536:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
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
    from simulator.vendors import load_vendor_models

    load_vendor_models()  # the vendors' tables, which the core does not know of
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
    if not files:
        raise UsageError(f"no specs found in {SPEC_DIR}: this installation is incomplete")
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
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser(with_contract=argv[:1] == ["contract"]).parse_args(argv)
    try:
        if args.command == "serve":
            from simulator.serving import serve

            serve(settings_from(args), fixtures_given=args.fixtures is not None)
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
    except BrokenPipeError:
        # The reader went away (`lms-sim specs | head`): stop quietly, as other tools do.
        sys.stderr.close()


if __name__ == "__main__":
    main()
