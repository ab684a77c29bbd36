"""`--admin-token` guards every control-API operation; serving beyond loopback without it warns."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from simulator.core.spec import Operation, load_spec, operations
from simulator.testing.harness import InProcessSimulator, test_settings

TOKEN = "adm-t0ken"


def _admin_operations() -> list[Operation]:
    return list(operations(load_spec("simulator.yaml")))


@pytest.fixture(scope="module")
def guarded() -> Iterator[InProcessSimulator]:
    sim = InProcessSimulator(test_settings(admin_token=TOKEN), frozen=False)
    yield sim
    sim.close()


@pytest.mark.parametrize("op", _admin_operations(), ids=lambda op: op.operation_id)
def test_every_control_operation_needs_the_admin_token(guarded: InProcessSimulator, op: Operation) -> None:
    path = re.sub(r"\{[^}]+\}", "acme", op.path)
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
    ):
        response = guarded.client.request(op.method, f"/_sim{path}", headers=headers, json={})
        assert response.status_code == 401, f"{op.method} {path} with {headers}: {response.status_code}"
        assert response.json()["code"] == "unauthorized"
    with_token = guarded.client.request(
        op.method, f"/_sim{path}", headers={"Authorization": f"Bearer {TOKEN}"}, json={}
    )
    assert with_token.status_code != 401, f"{op.method} {path}: the right token was refused"


def test_the_walk_covers_the_state_changing_controls() -> None:
    ids = {op.operation_id for op in _admin_operations()}
    assert len(ids) >= 20
    assert {op.method for op in _admin_operations()} >= {"GET", "POST", "PUT", "DELETE"}


def test_vendor_apis_do_not_need_the_admin_token() -> None:
    sim = InProcessSimulator(test_settings(admin_token=TOKEN), frozen=False)  # the walk above changed state
    try:
        response = sim.call(
            "GET", "msportal", "/api/public/v1/training/courses", headers={"Authorization": "Bearer msp_acme_full"}
        )
        assert response.status_code == 200
    finally:
        sim.close()


@pytest.mark.parametrize(
    ("host", "token", "warns"),
    [
        ("0.0.0.0", None, True),
        ("192.168.1.20", None, True),
        ("::", None, True),
        ("sim.example.com", None, True),
        ("0.0.0.0", TOKEN, False),
        ("127.0.0.1", None, False),
        ("127.0.0.2", None, False),
        ("localhost", None, False),
        ("::1", None, False),
    ],
)
def test_serving_beyond_loopback_without_a_token_warns(host: str, token: str | None, warns: bool) -> None:
    from simulator.serving import exposure_warning

    warning = exposure_warning(test_settings(host=host, admin_token=token)) or ""
    assert ("without --admin-token" in warning) is warns, warning
    assert TOKEN not in warning
