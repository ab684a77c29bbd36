"""Soak and crash runs against a real `lms-sim serve --workers 2` on a SQLite file (`make soak`).

Phase 1 (soak): N concurrent clients send mixed reads and writes to every vendor for D
seconds. Every write creates one record whose key the client chose (an enrollment of a
user who was not enrolled yet, a completion statement), so the final state is known from
the acknowledged answers alone: each acknowledged record exists exactly once, and each
vendor's table grew by exactly the number of acknowledged writes. The journal must hold
exactly one entry per request sent.

Phase 2 (crashes): the server is started on the same file, put under write load, killed
with SIGKILL (every worker), and started again, K times. After each restart every
acknowledged write must be there, `PRAGMA integrity_check` must say `ok`, and the
simulator must answer. Writes in flight at the kill may or may not have landed: they are
allowed, never required.

    python -m bench.soak [--clients 50] [--seconds 60] [--crashes 3]

Prints the figures (requests sent, 5xx seen, writes lost, doubled, crashes survived) and
exits non-zero when any check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from simulator.testing.harness import free_port

TENANT = "t1"
COMPLETIONS_FROM = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ABSORB_KEY_QUERY = "SELECT api_key FROM absorb_portals WHERE tenant = ?"


# -- what a client can write: keys chosen up front, so the expected state is computable ----


@dataclass(frozen=True)
class Write:
    vendor: str
    key: tuple[Any, ...]  # what identifies the created record in the database


@dataclass
class Plan:
    """Unused (user, course) pairs per vendor, and the ids reads and completions need."""

    pairs: dict[str, list[tuple[Any, Any]]]
    learnlink_users: list[str]
    learnlink_contents: list[str]
    reads: dict[str, list[str]]
    completion_serial: int = 0


def _free_pairs(db: sqlite3.Connection, users: str, courses: str, enrolled: str) -> list[tuple[Any, Any]]:
    user_ids = [r[0] for r in db.execute(users, (TENANT,))]
    course_ids = [r[0] for r in db.execute(courses, (TENANT,))]
    taken = set(db.execute(enrolled, (TENANT,)))
    pairs = [(u, c) for c in course_ids for u in user_ids if (u, c) not in taken]
    random.Random(7).shuffle(pairs)  # noqa: S311 - a seeded load pattern
    return pairs


PAIR_QUERIES = {
    "docebo": (
        "SELECT id FROM docebo_users WHERE tenant = ? AND role = 'user'",
        "SELECT id FROM docebo_courses WHERE tenant = ?",
        "SELECT user_id, course_id FROM docebo_enrollments WHERE tenant = ?",
    ),
    "skillable": (
        "SELECT id FROM skillable_users WHERE tenant = ?",
        "SELECT id FROM skillable_classes WHERE tenant = ?",
        "SELECT user_id, class_id FROM skillable_class_enrollments WHERE tenant = ?",
    ),
    "msportal": (
        "SELECT id FROM msportal_users WHERE tenant = ?",
        "SELECT id FROM msportal_courses WHERE tenant = ?",
        "SELECT user_id, course_id FROM msportal_enrollments WHERE tenant = ?",
    ),
    "absorb": (
        "SELECT id FROM absorb_users WHERE tenant = ? AND is_admin = 0",
        "SELECT id FROM absorb_courses WHERE tenant = ?",
        "SELECT user_id, course_id FROM absorb_course_enrollments WHERE tenant = ?",
    ),
}

# The rows one acknowledged write adds, and how to find a written record again.
COUNT_QUERIES = {
    "docebo": "SELECT count(*) FROM docebo_enrollments WHERE tenant = ?",
    "skillable": "SELECT count(*) FROM skillable_class_enrollments WHERE tenant = ?",
    "msportal": "SELECT count(*) FROM msportal_enrollments WHERE tenant = ?",
    "absorb": "SELECT count(*) FROM absorb_course_enrollments WHERE tenant = ?",
    "learnlink": "SELECT count(*) FROM learnlink_completions WHERE tenant = ?",
}
FIND_QUERIES = {
    "docebo": "SELECT count(*) FROM docebo_enrollments WHERE tenant = ? AND user_id = ? AND course_id = ?",
    "skillable": "SELECT count(*) FROM skillable_class_enrollments WHERE tenant = ? AND user_id = ? AND class_id = ?",
    "msportal": "SELECT count(*) FROM msportal_enrollments WHERE tenant = ? AND user_id = ? AND course_id = ?",
    "absorb": "SELECT count(*) FROM absorb_course_enrollments WHERE tenant = ? AND user_id = ? AND course_id = ?",
    "learnlink": "SELECT count(*) FROM learnlink_completions WHERE tenant = ? AND id = ?",
}


def make_plan(db_path: Path) -> Plan:
    with sqlite3.connect(db_path) as db:
        pairs = {vendor: _free_pairs(db, *queries) for vendor, queries in PAIR_QUERIES.items()}
        ll_users = [r[0] for r in db.execute("SELECT id FROM learnlink_users WHERE tenant = ?", (TENANT,))]
        ll_contents = [r[0] for r in db.execute("SELECT id FROM learnlink_contents WHERE tenant = ?", (TENANT,))]
        ll_assignments = [r[0] for r in db.execute("SELECT id FROM learnlink_assignments WHERE tenant = ?", (TENANT,))]
        msp_enrollments = [r[0] for r in db.execute("SELECT id FROM msportal_enrollments WHERE tenant = ?", (TENANT,))]
        absorb_users = [r[0] for r in db.execute("SELECT id FROM absorb_users WHERE tenant = ?", (TENANT,))]
        skl_enrollments = [
            str(r[0]) for r in db.execute("SELECT id FROM skillable_class_enrollments WHERE tenant = ?", (TENANT,))
        ]
    reads = {
        "msportal": [f"/api/public/v1/training/enrollments/{i}" for i in msp_enrollments[:200]]
        + ["/api/public/v1/training/enrollments?limit=20", "/api/public/v1/training/courses"],
        "docebo": ["/learn/v1/enrollments?page_size=20", "/course/v1/courses", "/manage/v1/user?page_size=20"],
        "skillable": [f"/GetClassEnrollment/{i}" for i in skl_enrollments[:200]] + ["/SearchClasses"],
        "learnlink": [f"/rest/v1/assignments/{a}/enrolments?limit=20" for a in ll_assignments]
        + ["/rest/v1/assignments", "/rest/v1/learning/completions?limit=20"],
        "absorb": [f"/users/{u}/enrollments" for u in absorb_users[:200]] + ["/courses"],
    }
    return Plan(pairs, ll_users, ll_contents, reads)


# -- the server ---------------------------------------------------------------------------


class Server:
    """`lms-sim serve` in its own process group, so SIGKILL reaches every worker."""

    def __init__(self, db: Path, fixtures: Path, port: int, workers: int, log: Path) -> None:
        self.db, self.fixtures, self.port, self.workers, self.log = db, fixtures, port, workers, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self, *, fresh: bool = False) -> None:
        command = [
            sys.executable,
            "-m",
            "simulator.cli",
            "serve",
            "--db",
            str(self.db),
            "--fixtures",
            str(self.fixtures),
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            # The vendors' documented rate limits would turn a soak into a 429 test.
            "--option",
            "absorb.rate_limit_per_second=0",
            "--option",
            "msportal.rate_limit_per_minute=0",
            *(["--fresh"] if fresh else []),
        ]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see {self.log}")
            try:
                if httpx.get(f"{self.url}/_sim/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not answer /_sim/health within 300 s")

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


# -- the clients --------------------------------------------------------------------------


@dataclass
class Tally:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: int = 0
    transport_error_kinds: Counter[str] = field(default_factory=Counter)
    acked: list[Write] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)  # writes answered with a vendor "no"
    in_flight: list[Write] = field(default_factory=list)  # writes with no answer (a crash)
    five_xx: list[str] = field(default_factory=list)


class Credentials:
    def __init__(self, headers: dict[str, dict[str, str]]) -> None:
        self.headers = headers


async def login(client: httpx.AsyncClient, db_path: Path, tally: Tally) -> Credentials:
    """One token per vendor, shared by every client (Absorb keeps one token per user)."""
    with sqlite3.connect(db_path) as db:
        absorb_key = db.execute(ABSORB_KEY_QUERY, (TENANT,)).fetchone()[0]
    tally.sent += 2
    docebo = await client.post(
        "/docebo/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": f"{TENANT}-client",
            "client_secret": f"{TENANT}-secret",
            "username": "api.admin",
            "password": "Passw0rd!",
        },
    )
    absorb_headers = {"x-api-key": absorb_key, "x-api-version": "2"}
    absorb = await client.post(
        "/absorb/authenticate",
        headers=absorb_headers,
        json={"username": "api.admin", "password": "Passw0rd!", "privateKey": absorb_key},
    )
    for response in (docebo, absorb):
        tally.statuses[response.status_code] += 1
        response.raise_for_status()
    return Credentials(
        {
            "docebo": {"Authorization": f"Bearer {docebo.json()['access_token']}"},
            "absorb": {**absorb_headers, "Authorization": f"Bearer {absorb.json()}"},
            "msportal": {"Authorization": f"Bearer msp_{TENANT}_full"},
            "skillable": {"api_key": f"skl-{TENANT}-key"},
            "learnlink": {},
        }
    )


def _write_request(vendor: str, pair: tuple[Any, Any]) -> tuple[str, str, dict[str, Any]]:
    user, course = pair
    if vendor == "docebo":
        return "POST", f"/docebo/learn/v1/enrollments/{course}/{user}", {"json": {"level": 3}}
    if vendor == "skillable":
        query = {"classId": course, "userId": user, "enrollmentStatusId": 60, "completionStatusId": 0}
        return "GET", "/skillable/CreateClassEnrollment", {"params": query}
    if vendor == "msportal":
        return (
            "POST",
            "/msportal/api/public/v1/training/enrollments/bulk",
            {"json": {"courseId": course, "userIds": [user]}},
        )
    return "POST", f"/absorb/users/{user}/enrollments/{course}", {}


def _acknowledged(vendor: str, response: httpx.Response) -> bool:
    if vendor == "skillable":
        body = response.json()
        return response.status_code == 200 and body.get("status", body.get("Status")) == 0
    if vendor == "msportal":
        return response.status_code == 201 and response.json()["data"]["enrolled"] == 1
    return 200 <= response.status_code < 300


async def one_request(
    client: httpx.AsyncClient, creds: Credentials, plan: Plan, rng: random.Random, tally: Tally, writes: bool
) -> bool:
    """Send one request; False when it got no answer (the server is gone)."""
    vendor = rng.choice(("absorb", "docebo", "skillable", "learnlink", "msportal"))
    headers = creds.headers[vendor]
    auth = ("eu-west-2_T1Demo01", f"{TENANT}-secret") if vendor == "learnlink" else None
    write: Write | None = None
    if writes and rng.random() < 0.5:
        if vendor == "learnlink":
            # A completion is idempotent on (user, content, completedAt): a unique instant makes it new.
            plan.completion_serial += 1
            completed = COMPLETIONS_FROM + dt.timedelta(seconds=plan.completion_serial)
            statement = {
                "userId": rng.choice(plan.learnlink_users),
                "contentId": rng.choice(plan.learnlink_contents),
                "completedAt": completed.isoformat().replace("+00:00", "Z"),
            }
            method, path, kwargs = "POST", "/learnlink/rest/v1/learning/completions", {"json": statement}
        else:
            if not plan.pairs[vendor]:
                return True
            pair = plan.pairs[vendor].pop()
            write = Write(vendor, pair)
            method, path, kwargs = _write_request(vendor, pair)
    else:
        method, path, kwargs = "GET", f"/{vendor}{rng.choice(plan.reads[vendor])}", {}
    tally.sent += 1
    pending = write or (Write(vendor, ()) if method != "GET" else None)
    if pending is not None:
        tally.in_flight.append(pending)
    try:
        response = await client.request(method, path, headers=headers, auth=auth, **kwargs)  # type: ignore[arg-type]
    except httpx.TransportError as exc:
        tally.transport_errors += 1
        tally.transport_error_kinds[f"{type(exc).__name__}: {exc}"[:200]] += 1
        return False  # left in flight: the server may or may not have done it
    if pending is not None:
        tally.in_flight.remove(pending)
    tally.statuses[response.status_code] += 1
    if response.status_code >= 500:
        tally.five_xx.append(f"{method} {path} -> {response.status_code}: {response.text[:200]}")
        return True
    if vendor == "learnlink" and method == "POST":
        if response.status_code == 201:
            tally.acked.append(Write("learnlink", (response.json()["statementId"],)))
        else:
            tally.refused["learnlink"] += 1
    elif write is not None:
        if _acknowledged(vendor, response):
            tally.acked.append(write)
        else:
            tally.refused[vendor] += 1
    return True


async def run_clients(
    url: str, plan: Plan, db_path: Path, clients: int, seconds: float, tally: Tally, *, writes_only: bool = False
) -> None:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        creds = await login(client, db_path, tally)
        deadline = time.monotonic() + seconds

        async def loop(n: int) -> None:
            rng = random.Random(n)  # noqa: S311 - a seeded load pattern
            answered = True
            # A client stops at its first unanswered request: after a kill, nobody is listening.
            while answered and time.monotonic() < deadline:
                writes = writes_only or rng.random() < 0.6
                answered = await one_request(client, creds, plan, rng, tally, writes=writes)

        await asyncio.gather(*(loop(n) for n in range(clients)))


async def run_until_killed(server: Server, plan: Plan, clients: int, after: float, tally: Tally) -> None:
    """Write load; SIGKILL the server `after` seconds in, while requests are in flight."""
    load = asyncio.create_task(run_clients(server.url, plan, server.db, clients, after + 30, tally, writes_only=True))
    await asyncio.sleep(after)
    server.kill()
    with contextlib.suppress(httpx.HTTPError, TimeoutError):
        await asyncio.wait_for(load, timeout=60)


# -- checks -------------------------------------------------------------------------------


def counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as db:
        return {v: int(db.execute(q, (TENANT,)).fetchone()[0]) for v, q in COUNT_QUERIES.items()}


def lost_and_doubled(db_path: Path, writes: list[Write]) -> tuple[list[Write], list[Write]]:
    lost, doubled = [], []
    with sqlite3.connect(db_path) as db:
        for write in writes:
            found = int(db.execute(FIND_QUERIES[write.vendor], (TENANT, *write.key)).fetchone()[0])
            if found == 0:
                lost.append(write)
            elif found > 1:
                doubled.append(write)
    return lost, doubled


def growth_problems(
    before: dict[str, int], after: dict[str, int], acked: list[Write], in_flight: list[Write]
) -> list[str]:
    """Each table grew by the acknowledged writes, plus at most the unanswered ones."""
    problems = []
    acked_by = Counter(w.vendor for w in acked)
    open_by = Counter(w.vendor for w in in_flight)
    for vendor in COUNT_QUERIES:
        grew = after[vendor] - before[vendor]
        if not acked_by[vendor] <= grew <= acked_by[vendor] + open_by[vendor]:
            problems.append(
                f"{vendor}: table grew by {grew}, acknowledged {acked_by[vendor]}, unanswered {open_by[vendor]}"
            )
    return problems


def integrity(db_path: Path) -> str:
    with sqlite3.connect(db_path) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def journal_total(url: str) -> int:
    return int(httpx.get(f"{url}/_sim/requests", params={"limit": 1}, timeout=60).json()["total"])


# -- the run ------------------------------------------------------------------------------


@dataclass
class Figures:
    requests_sent: int = 0
    five_xx: int = 0
    writes_acknowledged: int = 0
    writes_lost: int = 0
    writes_doubled: int = 0
    crashes_survived: int = 0
    problems: list[str] = field(default_factory=list)

    def lines(self) -> Iterator[str]:
        yield f"requests sent:        {self.requests_sent}"
        yield f"5xx seen:             {self.five_xx}"
        yield f"writes acknowledged:  {self.writes_acknowledged}"
        yield f"writes lost:          {self.writes_lost}"
        yield f"writes doubled:       {self.writes_doubled}"
        yield f"crashes survived:     {self.crashes_survived}"
        yield f"problems:             {len(self.problems)}"
        yield from (f"  - {p}" for p in self.problems[:30])


def soak_phase(server: Server, plan: Plan, args: argparse.Namespace, figures: Figures) -> Tally:
    httpx.delete(
        f"{server.url}/_sim/requests", headers={"Content-Type": "application/json"}, timeout=60
    ).raise_for_status()
    before = counts(server.db)
    tally = Tally()
    started = time.monotonic()
    asyncio.run(run_clients(server.url, plan, server.db, args.clients, args.seconds, tally))
    elapsed = time.monotonic() - started
    journaled = journal_total(server.url)
    after = counts(server.db)
    lost, doubled = lost_and_doubled(server.db, tally.acked)
    figures.requests_sent += tally.sent
    figures.five_xx += len(tally.five_xx)
    figures.writes_acknowledged += len(tally.acked)
    figures.writes_lost += len(lost)
    figures.writes_doubled += len(doubled)
    figures.problems += tally.five_xx[:10]
    figures.problems += growth_problems(before, after, tally.acked, tally.in_flight)
    if tally.transport_errors:
        kinds = "; ".join(f"{n} x {kind}" for kind, n in tally.transport_error_kinds.most_common())
        figures.problems.append(f"{tally.transport_errors} requests got no answer during the soak ({kinds})")
    if journaled != tally.sent:
        figures.problems.append(f"journal holds {journaled} entries for {tally.sent} requests sent")
    print(
        f"soak: {args.clients} clients, {elapsed:.0f} s, {tally.sent} requests ({tally.sent / elapsed:.0f}/s), "
        f"journal {journaled}, statuses {dict(sorted(tally.statuses.items()))}, "
        f"acknowledged writes {dict(Counter(w.vendor for w in tally.acked))}, refused {dict(tally.refused)}",
        flush=True,
    )
    return tally


def crash_phase(server: Server, plan: Plan, args: argparse.Namespace, figures: Figures, acked: list[Write]) -> None:
    rng = random.Random(11)  # noqa: S311 - seeded kill times
    for cycle in range(1, args.crashes + 1):
        before = counts(server.db)
        tally = Tally()
        after_seconds = rng.uniform(args.crash_after_min, args.crash_after_max)
        asyncio.run(run_until_killed(server, plan, args.clients, after_seconds, tally))
        figures.requests_sent += tally.sent
        figures.five_xx += len(tally.five_xx)
        figures.problems += tally.five_xx[:10]
        acked += tally.acked
        figures.writes_acknowledged += len(tally.acked)
        check = integrity(server.db)  # before the restart: the file as the kill left it (plus its WAL)
        server.start()
        healthy = httpx.get(f"{server.url}/_sim/health", timeout=30).status_code == 200
        lost, doubled = lost_and_doubled(server.db, acked)
        figures.writes_lost += len(lost)
        figures.writes_doubled += len(doubled)
        figures.problems += growth_problems(before, counts(server.db), tally.acked, tally.in_flight)
        if check != "ok":
            figures.problems.append(f"crash {cycle}: integrity_check says {check!r}")
        if healthy and check == "ok" and not lost and not doubled:
            figures.crashes_survived += 1
        print(
            f"crash {cycle}: killed after {after_seconds:.1f} s with {len(tally.in_flight)} writes in flight; "
            f"{len(tally.acked)} acknowledged, {len(lost)} of all {len(acked)} acknowledged lost; "
            f"integrity {check}; restarted {'ok' if healthy else 'FAILED'}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--clients", type=int, default=int(os.environ.get("SOAK_CLIENTS", "50")))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", "60")))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--crashes", type=int, default=int(os.environ.get("SOAK_CRASHES", "3")))
    parser.add_argument("--crash-after-min", type=float, default=2.0)
    parser.add_argument("--crash-after-max", type=float, default=6.0)
    parser.add_argument("--users", type=int, default=400, help="generated users per vendor (more users, more pairs)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="lms-soak-"))
    fixtures, db = work / "fixtures.json", work / "soak.db"
    subprocess.run(
        [sys.executable, "-m", "simulator.cli", "generate", "--users", str(args.users), "--out", str(fixtures)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    server = Server(db, fixtures, free_port(), args.workers, work / "server.log")
    figures = Figures()
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; working folder {work}", flush=True)
    try:
        server.start(fresh=True)
        plan = make_plan(db)
        tally = soak_phase(server, plan, args, figures)
        crash_phase(server, plan, args, figures, list(tally.acked))
    finally:
        server.stop()
    print("\n".join(figures.lines()))
    failed = figures.five_xx or figures.writes_lost or figures.writes_doubled or figures.problems
    failed = failed or figures.crashes_survived != args.crashes
    if not args.keep and not failed:
        for path in sorted(work.iterdir()):
            path.unlink()
        work.rmdir()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
