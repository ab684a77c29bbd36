"""`lms-sim contract`: the subcommand's flags and what it does (cli.py only registers and dispatches)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from simulator.contract.targets import ALL_MODES, ALL_PHASES, Target, find_target

if TYPE_CHECKING:
    from simulator.contract.runner import ContractOptions


AUTH_FORMS = re.compile(r"^(demo(:.+)?|bearer:.+|basic:[^:]*:.*)$")


class ContractUsageError(Exception):
    """Bad flags: cli.py reports it in one line with exit code 2."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "contract",
        help="run a bundled spec with Schemathesis against a server (exit code 1 on any contract failure)",
    )
    parser.add_argument("--vendor", required=True, help="whose spec to run: a vendor name, or 'admin' for /_sim")
    parser.add_argument("--base-url", required=True, help="where that API lives, e.g. http://127.0.0.1:8000/msportal")
    parser.add_argument(
        "--header", action="append", default=[], metavar="'NAME: VALUE'", help="send this header (repeatable)"
    )
    parser.add_argument(
        "--auth",
        metavar="demo[:TENANT] | bearer:TOKEN | basic:USER:PASS",
        help="credentials; 'demo' uses the vendor's demo credential from the server's /_sim/vendors",
    )
    parser.add_argument(
        "--max-examples",
        type=int,
        default=20,
        help="generated cases per operation and phase; the stateful phase runs 3 scenarios per example (default 20)",
    )
    parser.add_argument(
        "--read-only", action="store_true", help="only GET operations that change nothing (safe against a real tenant)"
    )
    parser.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report here")
    parser.add_argument("--seed", type=int, default=42, help="Hypothesis seed, for reproducible runs")
    parser.add_argument(
        "--phases", default=",".join(ALL_PHASES), help=f"comma-separated subset of {','.join(ALL_PHASES)}"
    )
    parser.add_argument(
        "--mode", choices=(*ALL_MODES, "all"), default="all", help="positive data, negative data, or both"
    )


def options_from(args: argparse.Namespace) -> ContractOptions:
    from simulator.contract.auth import AuthError, resolve_auth
    from simulator.contract.runner import ContractOptions

    try:
        target = find_target(args.vendor)
    except LookupError as exc:
        raise ContractUsageError(str(exc)) from exc
    headers: dict[str, str] = {}
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise ContractUsageError(f"--header takes 'NAME: VALUE', got {item!r}")
        headers[name.strip()] = value.strip()
    phases = tuple(p.strip() for p in args.phases.split(",") if p.strip())
    unknown = [p for p in phases if p not in ALL_PHASES]
    if unknown or not phases:
        raise ContractUsageError(f"--phases takes a comma-separated subset of {','.join(ALL_PHASES)}")
    if args.max_examples < 1:
        raise ContractUsageError("--max-examples must be at least 1")
    if not args.base_url.startswith(("http://", "https://")):
        raise ContractUsageError(f"--base-url must be an http(s) URL, got {args.base_url!r}")
    if args.auth and not AUTH_FORMS.match(args.auth):
        raise ContractUsageError(f"--auth takes demo[:TENANT], bearer:TOKEN or basic:USER:PASS, got {args.auth!r}")
    check_reachable(args.base_url, target)
    options = ContractOptions(
        target=target,
        base_url=args.base_url,
        headers=headers,
        max_examples=args.max_examples,
        seed=args.seed,
        phases=phases,
        modes=ALL_MODES if args.mode == "all" else (args.mode,),
        read_only=args.read_only,
    )
    if args.auth:
        try:
            resolved = resolve_auth(args.auth, vendor=target.name, base_url=args.base_url)
        except AuthError as exc:
            raise ContractUsageError(str(exc)) from exc
        # Explicit --header values win over the ones --auth brings.
        options.headers = {**resolved.headers, **headers}
        options.basic_auth = resolved.basic
        print(f"auth: {resolved.source}", flush=True)
    return options


def check_reachable(base_url: str, target: Target) -> None:
    """Fail at once, in one line, when nothing answers at `base_url`, and hint at the vendor's
    prefix when the URL lacks it but the server serves the spec there (a simulator)."""
    import httpx

    try:
        httpx.get(base_url, timeout=10)
    except httpx.HTTPError as exc:
        raise ContractUsageError(f"cannot reach {base_url}: {exc or type(exc).__name__}") from exc
    parts = urlsplit(base_url)
    if parts.path.rstrip("/").endswith(target.prefix):
        return
    here = _serves_spec(base_url.rstrip("/") + "/openapi.json")
    root = f"{parts.scheme}://{parts.netloc}"
    if not here and _serves_spec(root + target.prefix + "/openapi.json"):
        raise ContractUsageError(
            f"{base_url} serves no {target.name} API, but {root}{target.prefix} does: "
            f"pass --base-url {root}{target.prefix}"
        )


def _serves_spec(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def run(args: argparse.Namespace) -> int:
    """Run the contract and print the summary; the exit code is 0 only when nothing failed."""
    from simulator.contract.report import write_junit
    from simulator.contract.runner import run_contract

    options = options_from(args)
    report = run_contract(options)
    print(report.summary(), flush=True)
    if args.junit:
        write_junit([report], Path(args.junit))
        print(f"JUnit XML: {args.junit}", file=sys.stderr)
    return 0 if report.passed else 1
