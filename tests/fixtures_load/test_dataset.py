"""bench/dataset.py: the benchmark's dataset is built once per key, and copies serve as they are."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench import dataset
from simulator.runtime import Runtime
from simulator.settings import Settings
from simulator.vendors.absorb.models import AbsorbCourseEnrollment

TINY = dataset.DatasetSpec(tenants=1, users=6, courses=3, seed=5)


def test_built_once_then_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = dataset.ensure_dataset(tmp_path / "a.db", TINY, cache)
    builds: list[Path] = []
    monkeypatch.setattr(dataset, "build", lambda spec, db, document: builds.append(db))
    second = dataset.ensure_dataset(tmp_path / "b.db", TINY, cache)
    assert builds == []
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.suffix for p in cache.iterdir()) == [".db", ".json"]


def test_a_copy_serves_without_loading_again(tmp_path: Path) -> None:
    db = dataset.ensure_dataset(tmp_path / "serve.db", TINY, tmp_path / "cache")
    document = next((tmp_path / "cache").glob("*.json"))
    expected = len(dataset.generate_document(1, 6, 3, 5)["tenants"]["t1"]["absorb"]["enrollments"])
    # A database of this schema is used as it is: no fixtures are read (none are given).
    runtime = Runtime(Settings(db=str(db), fixtures=None))
    runtime.bootstrap()
    with runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(AbsorbCourseEnrollment)) == expected
        assert runtime.tenants(session) == ["t1"]
    runtime.db.dispose()
    assert document.stat().st_size > 0


def test_the_key_follows_the_arguments() -> None:
    assert dataset.cache_key(TINY) != dataset.cache_key(dataset.DatasetSpec(tenants=1, users=6, courses=3, seed=6))
    assert dataset.cache_key(TINY) == dataset.cache_key(dataset.DatasetSpec(tenants=1, users=6, courses=3, seed=5))
