"""The test kit as a user meets it: a separate project, its own code and tests, the installed plugin.

The project's code calls the vendor's real URL with httpx and with requests; its tests use
only the public API (fixtures and `simulator.testing`). Run in a subprocess, so the plugin
is loaded through its `pytest11` entry point as in any project that installs lms-simulator.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.testing.project import run_user_project

CODE_UNDER_TEST = """
import httpx
import requests

BASE = "https://acme.docebosaas.com"


def token(client_id: str = "acme-client", secret: str = "acme-secret") -> str:
    form = {"grant_type": "password", "client_id": client_id, "client_secret": secret, "scope": "api",
            "username": "api.admin", "password": "Passw0rd!"}
    return httpx.post(f"{BASE}/oauth2/token", data=form).json()["access_token"]


def enrollments_httpx(bearer: str) -> list[dict]:
    response = httpx.get(f"{BASE}/learn/v1/enrollments", headers={"Authorization": f"Bearer {bearer}"})
    response.raise_for_status()
    return response.json()["data"]["items"]


def enrollments_requests(bearer: str) -> list[dict]:
    response = requests.get(f"{BASE}/learn/v1/enrollments", headers={"Authorization": f"Bearer {bearer}"})
    response.raise_for_status()
    return response.json()["data"]["items"]


async def enrollments_async(bearer: str) -> list[dict]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{BASE}/learn/v1/enrollments", headers={"Authorization": f"Bearer {bearer}"})
        response.raise_for_status()
        return response.json()["data"]["items"]
"""

USER_TESTS = """
import asyncio

import pytest
import requests

import acme_sync
from simulator.testing import lms_simulator


def test_httpx(lms_sim_intercept):
    assert acme_sync.enrollments_httpx(acme_sync.token())
    lms_sim_intercept.assert_called(vendor="docebo", operation_id="listEnrollments", count=1)


def test_requests(lms_sim_intercept):
    assert acme_sync.enrollments_requests(acme_sync.token())


def test_async(lms_sim_intercept):
    assert asyncio.run(acme_sync.enrollments_async(acme_sync.token()))


def test_a_fault_reaches_the_code_under_test(lms_sim_intercept):
    lms_sim_intercept.fault(vendor="docebo", method="GET", status=503, times=1)
    with pytest.raises(requests.HTTPError):
        acme_sync.enrollments_requests(acme_sync.token())


def test_outside_pytest_fixtures():
    with lms_simulator() as sim:
        assert acme_sync.enrollments_httpx(acme_sync.token())
        sim.assert_called(vendor="docebo", method="GET", count=1)


def test_live_server(lms_sim_live):
    assert requests.get(lms_sim_live.url("docebo", "/learn/v1/enrollments")).status_code == 401
"""


def test_a_separate_project_calls_the_real_url_unchanged(tmp_path: Path) -> None:
    (tmp_path / "acme_sync.py").write_text(textwrap.dedent(CODE_UNDER_TEST))
    (tmp_path / "test_acme_sync.py").write_text(textwrap.dedent(USER_TESTS))
    result = run_user_project(tmp_path)
    assert "6 passed" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]


def test_the_plugin_imports_nothing_heavy_until_a_fixture_is_requested() -> None:
    """What pytest loads through the entry point must not pull in the simulator (the app, the ORM, the specs)."""
    probe = (
        "import sys, pytest; import simulator.testing.plugin; "
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'sqlalchemy', 'httpx', 'yaml', "
        "'uvicorn', 'jsonschema_rs', 'requests') or m in ('simulator.app', 'simulator.runtime', "
        "'simulator.testing.harness')); print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]", result.stdout
