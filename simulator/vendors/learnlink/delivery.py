"""Sending webhook deliveries, off the request path.

Requests only insert delivery rows (in their own transaction) and wake the worker.
One worker thread per database engine claims pending deliveries and hands each to a
small pool that POSTs it with its HMAC signature, records every attempt (status code,
latency, error) and retries a non-2xx answer or a timeout with exponential backoff,
a bounded number of times. The worker is started lazily and stops after a quiet spell.

Backoff waits are real seconds (a real receiver is waiting); attempt timestamps are
simulated time. The worker is process-local machinery; everything it knows is in the
database, so a restarted process resumes pending deliveries (a delivery that was in
flight when its process died stays `in_flight`: not simulated).
"""

from __future__ import annotations

import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Engine, event, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from simulator.core import clock
from simulator.vendors.learnlink.backend.webhooks import SIGNATURE_HEADER, signature
from simulator.vendors.learnlink.models import (
    LearnlinkWebhookAttempt,
    LearnlinkWebhookDelivery,
    LearnlinkWebhookSubscription,
)


@dataclass(frozen=True)
class DeliveryOptions:
    max_attempts: int = 5
    backoff_seconds: float = 1.0  # waits 1, 2, 4, 8 s between attempts
    timeout_seconds: float = 30.0  # docs: the receiver must answer within 30 s
    poll_seconds: float = 0.05
    idle_seconds: float = 5.0  # the worker stops after this long with nothing to send
    workers: int = 4

    @classmethod
    def from_settings(cls, settings: Any) -> DeliveryOptions:
        def opt(name: str, default: Any) -> Any:
            return settings.option("learnlink", name, default) if settings is not None else default

        return cls(
            max_attempts=int(opt("webhook_max_attempts", cls.max_attempts)),
            backoff_seconds=float(opt("webhook_backoff_seconds", cls.backoff_seconds)),
            timeout_seconds=float(opt("webhook_timeout_seconds", cls.timeout_seconds)),
        )


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    tenant: str
    target_url: str
    secret: str
    event: str
    payload: str


class DeliveryWorker:
    def __init__(self, engine: Engine, options: DeliveryOptions) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self.options = options
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=options.workers, thread_name_prefix="learnlink-webhook")
        self._in_progress = 0

    def wake(self) -> None:
        with self._lock:
            self._wake.set()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="learnlink-webhooks", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        idle_since = time.monotonic()
        while not self._stop.is_set():
            jobs = self._claim()
            for job in jobs:
                with self._lock:
                    self._in_progress += 1
                self._pool.submit(self._deliver, job)
            if jobs or self._in_progress:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > self.options.idle_seconds:
                with self._lock:
                    if not self._wake.is_set():
                        self._thread = None
                        return
            self._wake.wait(self.options.poll_seconds)
            self._wake.clear()

    def _claim(self, batch: int = 20) -> list[_Job]:
        try:
            with self.sessions() as session, session.begin():
                rows = session.execute(
                    select(LearnlinkWebhookDelivery, LearnlinkWebhookSubscription)
                    .join(
                        LearnlinkWebhookSubscription,
                        LearnlinkWebhookSubscription.id == LearnlinkWebhookDelivery.subscription_id,
                    )
                    .where(LearnlinkWebhookDelivery.status == "pending")
                    .order_by(LearnlinkWebhookDelivery.id)
                    .limit(batch)
                ).all()
                for delivery, _ in rows:
                    delivery.status = "in_flight"
                return [_Job(d.id, d.tenant, s.target_url, s.secret, d.event, d.payload) for d, s in rows]
        except Exception:
            return []

    def _deliver(self, job: _Job) -> None:
        try:
            body = job.payload.encode()
            headers = {
                "content-type": "application/json",
                SIGNATURE_HEADER: signature(job.secret, body),
                "x-thrive-event": job.event,
            }
            with httpx.Client(timeout=self.options.timeout_seconds) as client:
                for number in range(1, self.options.max_attempts + 1):
                    status, error, latency = _post(client, job.target_url, body, headers)
                    ok = status is not None and 200 <= status < 300
                    last = ok or number == self.options.max_attempts
                    self._record(
                        job, number, status, error, latency, final=("delivered" if ok else "failed") if last else None
                    )
                    if last or self._stop.wait(self.options.backoff_seconds * 2 ** (number - 1)):
                        return
        finally:
            with self._lock:
                self._in_progress -= 1

    def _record(
        self, job: _Job, number: int, status: int | None, error: str | None, latency_ms: float, final: str | None
    ) -> None:
        with self.sessions() as session, session.begin():
            at = clock.now(session, job.tenant)
            session.add(
                LearnlinkWebhookAttempt(
                    tenant=job.tenant,
                    delivery_id=job.delivery_id,
                    number=number,
                    status_code=status,
                    latency_ms=latency_ms,
                    error=error,
                    at=at,
                )
            )
            values: dict[str, Any] = {"attempts": number}
            if final is not None:
                values.update(status=final, finished_at=at)
            session.execute(
                update(LearnlinkWebhookDelivery).where(LearnlinkWebhookDelivery.id == job.delivery_id).values(**values)
            )


def _post(client: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None, float]:
    started = time.perf_counter()
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}", (time.perf_counter() - started) * 1000
    latency = (time.perf_counter() - started) * 1000
    return response.status_code, None if response.is_success else f"HTTP {response.status_code}", latency


class _ConnectionTurns:
    """Whole transactions take turns on a single shared connection (in-memory SQLite).

    An in-memory database lives in one connection that every session shares; the worker
    threads must not interleave their statements with a request's open transaction. A
    turn runs from pool checkout to checkin and is re-entrant for the thread holding it.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._owner: int | None = None
        self._depth = 0

    def acquire(self, *_: Any) -> None:
        me = threading.get_ident()
        with self._cond:
            while self._owner not in (None, me):
                self._cond.wait()
            self._owner = me
            self._depth += 1

    def release(self, *_: Any) -> None:
        with self._cond:
            self._depth = max(0, self._depth - 1)
            if self._depth == 0:
                self._owner = None
                self._cond.notify_all()

    def install(self, engine: Engine) -> None:
        event.listen(engine.pool, "checkout", self.acquire)
        event.listen(engine.pool, "checkin", self.release)


_workers: weakref.WeakKeyDictionary[Engine, DeliveryWorker] = weakref.WeakKeyDictionary()
_workers_lock = threading.Lock()


_settings: weakref.WeakKeyDictionary[Engine, Any] = weakref.WeakKeyDictionary()


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def remember_settings(session: Session, settings: Any) -> None:
    """Note the instance's settings (retry options) for the worker of this database."""
    engine = _engine(session)
    if _settings.get(engine) is not settings:
        with _workers_lock:
            _settings[engine] = settings


def worker_for(engine: Engine) -> DeliveryWorker:
    with _workers_lock:
        worker = _workers.get(engine)
        if worker is None:
            if isinstance(engine.pool, StaticPool):
                _ConnectionTurns().install(engine)
            worker = _workers[engine] = DeliveryWorker(engine, DeliveryOptions.from_settings(_settings.get(engine)))
        return worker


def notify(session: Session) -> None:
    """Wake (or start) the delivery worker of this session's database."""
    worker_for(_engine(session)).wake()


def stop_all() -> None:
    with _workers_lock:
        workers = list(_workers.values())
        _workers.clear()
    for worker in workers:
        worker.stop()
