"""Sending webhook deliveries, off the request path.

A request only inserts delivery rows, in its own transaction. When that transaction
commits, the rows that survived (a rolled-back savepoint drops its events) are handed to
a small thread pool, one per database engine, started lazily. Each delivery is POSTed
with its HMAC signature; every attempt (status code, latency, error) is recorded; a
non-2xx answer or a timeout is retried with exponential backoff, a bounded number of
times. Backoff waits are real seconds (a real receiver is waiting); attempt timestamps
are simulated time.

Where attempts are written depends on the database:
- a file (or server) database: the sender threads write them through their own
  connections, and claim each delivery first (so a delivery is sent once);
- an in-memory SQLite database lives in the single connection every session shares, so
  sender threads never touch it: results wait in a per-engine mailbox that the next
  Learn.link request (its catch-up) or a delivery listing writes to the database.
Not simulated: a delivery that was pending when its process died is not resumed.
"""

from __future__ import annotations

import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event, inspect, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from simulator.core import clock
from simulator.core.store import Store
from simulator.vendors.learnlink import receivers
from simulator.vendors.learnlink.backend.webhooks import SIGNATURE_HEADER, signature
from simulator.vendors.learnlink.receivers import ReceiverPolicy
from simulator.vendors.learnlink.values import SubscriptionValues

if TYPE_CHECKING:
    import httpx
from simulator.vendors.learnlink.models import (
    LearnlinkWebhookAttempt,
    LearnlinkWebhookDelivery,
)

OUTBOX_KEY = "learnlink.outbox"
LISTENING_KEY = "learnlink.outbox.listening"


@dataclass(frozen=True)
class DeliveryOptions:
    max_attempts: int = 5
    backoff_seconds: float = 1.0  # waits 1, 2, 4, 8 s between attempts
    timeout_seconds: float = 30.0  # docs: the receiver must answer within 30 s
    workers: int = 4

    @classmethod
    def from_settings(cls, settings: Any) -> DeliveryOptions:
        def opt(name: str, default: Any) -> Any:
            return settings.option("learnlink", name, default) if settings is not None else default

        return cls(
            max_attempts=max(1, int(opt("webhook_max_attempts", cls.max_attempts))),
            backoff_seconds=float(opt("webhook_backoff_seconds", cls.backoff_seconds)),
            timeout_seconds=float(opt("webhook_timeout_seconds", cls.timeout_seconds)),
        )


@dataclass(frozen=True)
class Job:
    delivery_id: int
    tenant: str
    target_url: str
    secret: str
    event: str
    payload: str


@dataclass(frozen=True)
class AttemptResult:
    job: Job
    number: int
    status_code: int | None
    error: str | None
    latency_ms: float
    final: str | None  # "delivered" | "failed" when this attempt decided the delivery


class DeliveryWorker:
    def __init__(self, engine: Engine, options: DeliveryOptions, policy: ReceiverPolicy | None = None) -> None:
        self.options = options
        self.policy = policy or ReceiverPolicy()
        self.shared_connection = isinstance(engine.pool, StaticPool)
        self.sessions = sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=options.workers, thread_name_prefix="learnlink-webhook")
        self._mailbox: list[AttemptResult] = []
        self._mailbox_lock = threading.Lock()

    def submit(self, jobs: list[Job]) -> None:
        for job in jobs:
            self._pool.submit(self._deliver, job)

    def stop(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def abandon(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def has_mail(self) -> bool:
        """Attempt results wait to be written (read without the lock: a result that arrives
        just now is written by the next request instead)."""
        return bool(self._mailbox)

    def drain(self, session: Session) -> int:
        """Write the attempts waiting in the mailbox (in-memory databases). Returns how many."""
        with self._mailbox_lock:
            results, self._mailbox = self._mailbox, []
        for result in results:
            _write(session, result)
        return len(results)

    def _deliver(self, job: Job) -> None:
        if not self.shared_connection and not self._claim(job):
            return  # not committed after all, or another process sends it
        try:
            # Checked again, and the checked address used: the name may resolve elsewhere now.
            target = receivers.check(job.target_url, self.policy)
        except receivers.TargetRefused as exc:
            self._record(AttemptResult(job, 1, None, f"refused: {exc}", 0.0, "failed"))
            return
        body = job.payload.encode()
        headers = {
            "host": target.host_header,
            "content-type": "application/json",
            SIGNATURE_HEADER: signature(job.secret, body),
            "x-thrive-event": job.event,
        }
        import httpx  # here, not at the top: a fifth of a second of every start, for a rare webhook

        with httpx.Client(timeout=self.options.timeout_seconds, follow_redirects=False, trust_env=False) as client:
            for number in range(1, self.options.max_attempts + 1):
                status, error, latency = _post(client, target, body, headers)
                ok = status is not None and 200 <= status < 300
                last = ok or number == self.options.max_attempts
                final = ("delivered" if ok else "failed") if last else None
                self._record(AttemptResult(job, number, status, error, latency, final))
                if last or self._stop.wait(self.options.backoff_seconds * 2 ** (number - 1)):
                    return

    def _claim(self, job: Job) -> bool:
        with self.sessions() as session, session.begin():
            claimed = session.execute(
                update(LearnlinkWebhookDelivery)
                .where(LearnlinkWebhookDelivery.id == job.delivery_id, LearnlinkWebhookDelivery.status == "pending")
                .values(status="in_flight")
            )
            return bool(getattr(claimed, "rowcount", 0))

    def _record(self, result: AttemptResult) -> None:
        if self.shared_connection:
            with self._mailbox_lock:
                self._mailbox.append(result)
            return
        with self.sessions() as session, session.begin():
            _write(session, result)


def _write(session: Session, result: AttemptResult) -> None:
    if session.get(LearnlinkWebhookDelivery, result.job.delivery_id) is None:
        return  # a reset or restore removed the delivery while it was in flight: nothing to record
    at = clock.now(session, result.job.tenant)
    session.add(
        LearnlinkWebhookAttempt(
            tenant=result.job.tenant,
            delivery_id=result.job.delivery_id,
            number=result.number,
            status_code=result.status_code,
            latency_ms=result.latency_ms,
            error=result.error,
            at=at,
        )
    )
    values: dict[str, Any] = {"attempts": result.number}
    values["status"] = result.final or "in_flight"
    if result.final is not None:
        values["finished_at"] = at
    session.execute(
        update(LearnlinkWebhookDelivery).where(LearnlinkWebhookDelivery.id == result.job.delivery_id).values(**values)
    )
    session.flush()


def _post(
    client: httpx.Client, target: receivers.Target, body: bytes, headers: dict[str, str]
) -> tuple[int | None, str | None, float]:
    import httpx

    started = time.perf_counter()
    try:
        response = client.post(
            target.url, content=body, headers=headers, extensions={"sni_hostname": target.server_name}
        )
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}", (time.perf_counter() - started) * 1000
    latency = (time.perf_counter() - started) * 1000
    return response.status_code, None if response.is_success else f"HTTP {response.status_code}", latency


# Process-local machinery keyed by engine (threads cannot live in the database).
_workers: weakref.WeakKeyDictionary[Engine, DeliveryWorker] = weakref.WeakKeyDictionary()
_settings: weakref.WeakKeyDictionary[Engine, Any] = weakref.WeakKeyDictionary()
_workers_lock = threading.Lock()


def _engine(source: Session | Store) -> Engine:
    bind = source.get_bind() if isinstance(source, Session) else source.connection
    return bind if isinstance(bind, Engine) else bind.engine


def remember_settings(source: Session | Store, settings: Any) -> None:
    """Note the instance's settings (retry options) for the worker of this database."""
    engine = _engine(source)
    if _settings.get(engine) is not settings:
        with _workers_lock:
            _settings[engine] = settings


def worker_for(engine: Engine) -> DeliveryWorker:
    with _workers_lock:
        worker = _workers.get(engine)
        if worker is None:
            settings = _settings.get(engine)
            worker = _workers[engine] = DeliveryWorker(
                engine, DeliveryOptions.from_settings(settings), ReceiverPolicy.from_settings(settings)
            )
        return worker


def enqueue(session: Session, delivery: LearnlinkWebhookDelivery, subscription: SubscriptionValues) -> None:
    """Send `delivery` once the session's transaction commits (and only if it survived)."""
    pending: list[tuple[LearnlinkWebhookDelivery, SubscriptionValues]] | None = session.info.get(OUTBOX_KEY)
    if pending is None:
        pending = session.info[OUTBOX_KEY] = []
    if not session.info.get(LISTENING_KEY):
        # Once per session; the handlers do nothing while nothing is pending.
        session.info[LISTENING_KEY] = True
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)
    pending.append((delivery, subscription))


def _after_commit(session: Session) -> None:
    pending = session.info.pop(OUTBOX_KEY, [])
    # Rows added in a savepoint that rolled back are transient again: their events never happened.
    jobs = [
        Job(d.id, d.tenant, s.target_url, s.secret, d.event, d.payload)
        for d, s in pending
        if inspect(d).has_identity and not inspect(d).deleted
    ]
    if jobs:
        worker_for(_engine(session)).submit(jobs)


def _after_rollback(session: Session) -> None:
    if not session.in_transaction():  # the whole transaction, not a savepoint
        session.info.pop(OUTBOX_KEY, None)


def drain(source: Session | Store) -> int:
    """Write attempt results kept in memory (in-memory databases). Every request calls this:
    with nothing waiting it costs a dictionary lookup, and makes no ORM session."""
    worker = _workers.get(_engine(source))
    if worker is None or not worker.shared_connection or not worker.has_mail():
        return 0
    return worker.drain(source if isinstance(source, Session) else source.session)


def stop_for(engine: Engine) -> None:
    """Stop the deliveries of one database (its simulator is closing)."""
    with _workers_lock:
        worker = _workers.pop(engine, None)
    if worker is not None:
        worker.stop()


def discard_pending(session: Session) -> None:
    """Drop the deliveries this process is still sending (a reset removed their subscriptions):
    waiting retries end at once, an attempt under way is not recorded. Does not wait."""
    with _workers_lock:
        worker = _workers.pop(_engine(session), None)
    if worker is not None:
        worker.abandon()


def stop_all() -> None:
    with _workers_lock:
        workers = list(_workers.values())
        _workers.clear()
    for worker in workers:
        worker.stop()
