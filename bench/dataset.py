"""The benchmark's big dataset: a generated document of about 100,000 enrollments, loaded
into a SQLite database once and kept under `.var/bench/` (git-ignored).

    from bench.dataset import ensure_dataset
    db = ensure_dataset(Path(tmp) / "big.db")   # a private copy, ready to serve
    # lms-sim serve --db <db>  serves it without loading anything (the schema matches)

The cache is keyed by the generator's arguments, the schema and the source of everything
that decides the loaded rows (generators and fixture loaders), so a change to any of them
builds it again; otherwise it is copied (a second or two for ~150 MB). `python -m
bench.dataset` builds it and prints how long generating and loading took.

`--tenants 1 --users 4000 --courses 10 --seed 42` gives 107,921 enrollments: Absorb 20,044,
Docebo 19,974, Learn.link 28,000 (members x assignments, a few archived), MSPortal 19,896,
Skillable 20,007.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from simulator.generate import enrollment_counts, generate_document, write_document
from simulator.runtime import Runtime
from simulator.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".var" / "bench"
# Source files whose change alters the generated document or the loaded rows.
_SOURCES = (
    "simulator/generate.py",
    "simulator/core/fixtures.py",
    "simulator/core/ids.py",
    "simulator/vendors/*/generate.py",
    "simulator/vendors/*/fixture*.py",
)


@dataclass(frozen=True)
class DatasetSpec:
    """`lms-sim generate` arguments."""

    tenants: int = 1
    users: int = 4000
    courses: int = 10
    seed: int = 42

    def args(self) -> str:
        return f"--tenants {self.tenants} --users {self.users} --courses {self.courses} --seed {self.seed}"


BENCH_100K = DatasetSpec()


@dataclass(frozen=True)
class BuildTimes:
    generate_seconds: float
    load_seconds: float
    enrollments: dict[str, int]


def cache_key(spec: DatasetSpec = BENCH_100K) -> str:
    digest = hashlib.sha256(spec.args().encode())
    digest.update(Runtime(Settings(db=":memory:", fixtures=None)).schema_fingerprint().encode())
    for pattern in _SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_database(spec: DatasetSpec = BENCH_100K, cache_dir: Path = CACHE) -> Path:
    """Where the built database of `spec` is (or will be) kept."""
    return cache_dir / f"dataset-{cache_key(spec)}.db"


def build(spec: DatasetSpec, db: Path, document: Path) -> BuildTimes:
    """Write the document and load it into `db` as `lms-sim serve --fresh --fixtures DOCUMENT` does."""
    start = time.perf_counter()
    doc = generate_document(spec.tenants, spec.users, spec.courses, spec.seed)
    write_document(doc, document)
    counts = enrollment_counts(doc)
    del doc
    generated = time.perf_counter()
    runtime = Runtime(Settings(db=str(db), fixtures=document, fresh=True))
    runtime.bootstrap()
    runtime.db.dispose()
    return BuildTimes(generated - start, time.perf_counter() - generated, counts)


def ensure_dataset(dest: Path, spec: DatasetSpec = BENCH_100K, cache_dir: Path = CACHE) -> Path:
    """A SQLite database file at `dest` holding the loaded dataset, for the caller to serve and change.

    The first call (per cache key) generates and loads it into `cache_dir`; later ones copy it.
    The generated document is kept beside the cached database (`.json`).
    """
    cached = cached_database(spec, cache_dir)
    if not cached.exists():
        _build_into(cached, spec)
    dest.parent.mkdir(parents=True, exist_ok=True)
    _copy(cached, dest)
    return dest


def _build_into(cached: Path, spec: DatasetSpec) -> BuildTimes:
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f"{cached.stem}.{os.getpid()}.partial.db")
    try:
        times = build(spec, partial, cached.with_suffix(".json"))
        _copy(partial, cached)
    finally:
        for leftover in cached.parent.glob(f"{partial.name}*"):
            leftover.unlink()
    return times


def _copy(src: Path, dest: Path) -> None:
    """A consistent single-file copy (SQLite's backup API folds in the write-ahead log)."""
    tmp = dest.with_name(dest.name + ".tmp")
    source, target = sqlite3.connect(src), sqlite3.connect(tmp)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        source.close()
        target.close()
    os.replace(tmp, dest)


def main() -> None:
    db = cached_database(BENCH_100K)
    if db.exists():
        print(f"{db} is built already (delete it to build again)")
        return
    times = _build_into(db, BENCH_100K)
    counts = ", ".join(f"{name} {n:,}" for name, n in times.enrollments.items())
    print(f"lms-sim generate {BENCH_100K.args()}: {times.generate_seconds:.1f} s ({counts})")
    print(f"loaded into {db}: {times.load_seconds:.1f} s")


if __name__ == "__main__":
    main()
