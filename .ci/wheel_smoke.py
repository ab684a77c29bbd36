"""First contact, as a new user has it: the wheel, installed alone, serves from anywhere.

Builds the wheel from this checkout, installs it into a fresh virtual environment with no
extras, and from a temporary folder outside the checkout:
- runs `lms-sim --help`, `lms-sim specs` and `lms-sim specs --export`;
- serves with `lms-sim serve --port 0` (a free port, read from the banner), checks
  `/_sim/health` and one authenticated call per vendor;
- runs `lms-sim contract` briefly against that server;
- installs pytest alone and runs a test that uses the plugin's `lms_sim` fixture.

Standard library only: it runs with whichever Python starts it. Exit code 1 on any failure.
Usage: python .ci/wheel_smoke.py [--keep]
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The test runner the smoke test installs next to the wheel: the range of the `test` extra.
PYTEST = "pytest>=9.2,<9.3"

PLUGIN_TEST = """
def test_the_plugin_serves_a_demo_enrollment(lms_sim):
    response = lms_sim.client.get(
        "/msportal/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000002",
        headers={"Authorization": "Bearer msp_acme_full"},
    )
    assert response.status_code == 200
    assert response.json()["data"]["id"] == "ac040000-0000-4000-8000-000000000002"
"""


def step(text: str) -> None:
    print(f"wheel smoke: {text}", flush=True)


def run(*args: str | Path, cwd: Path, timeout: float = 600) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise SystemExit(f"wheel smoke: FAILED: {' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def call(url: str, *, method: str = "GET", headers: dict[str, str] | None = None, body: Any = None) -> Any:
    data = None
    headers = dict(headers or {})
    if isinstance(body, dict):
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    elif isinstance(body, str):
        data = body.encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def vendor_calls(base: str) -> dict[str, Any]:
    """One authenticated call per vendor with the demo credentials; what each answered."""
    answers: dict[str, Any] = {}
    answers["msportal"] = call(
        f"{base}/msportal/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000002",
        headers={"Authorization": "Bearer msp_acme_full"},
    )["data"]["status"]
    form = "grant_type=password&client_id=acme-client&client_secret=acme-secret&scope=api"
    token = call(f"{base}/docebo/oauth2/token", method="POST", body=f"{form}&username=api.admin&password=Passw0rd!")
    answers["docebo"] = call(
        f"{base}/docebo/learn/v1/enrollments", headers={"Authorization": f"Bearer {token['access_token']}"}
    )["data"]["count"]
    answers["skillable"] = call(f"{base}/skillable/GetClassEnrollment/45001", headers={"api_key": "skl-acme-key"})[
        "Status"
    ]
    key = "a0000000-0000-4000-8000-000000000001"
    absorb_headers = {"x-api-key": key, "x-api-version": "2"}
    login = {"username": "api.admin", "password": "Passw0rd!", "privateKey": key}
    absorb_token = call(f"{base}/absorb/authenticate", method="POST", headers=absorb_headers, body=login)
    answers["absorb"] = len(
        call(f"{base}/absorb/courses", headers={**absorb_headers, "Authorization": f"Bearer {absorb_token}"})
    )
    basic = base64.b64encode(b"eu-west-2_AcmeDemo01:acme-secret").decode()
    answers["learnlink"] = len(
        call(f"{base}/learnlink/rest/v1/assignments", headers={"Authorization": f"Basic {basic}"})
    )
    return answers


def serve_and_check(lms_sim: Path, work: Path) -> None:
    with subprocess.Popen(
        [lms_sim, "serve", "--port", "0", "--db", "sim.db"],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as server:
        assert server.stdout is not None
        try:
            lines = []
            for line in server.stdout:
                lines.append(line.rstrip())
                if line.startswith("lms-sim"):
                    break
            step("serve printed: " + " | ".join(lines))
            found = re.search(r"on (http://127\.0\.0\.1:(\d+)) ", lines[-1] if lines else "")
            if not found or found.group(2) == "0":
                raise SystemExit("wheel smoke: FAILED: no banner with the bound port")
            base = found.group(1)
            health = call(f"{base}/_sim/health")
            if health.get("status") != "ok" or len(health.get("vendors", [])) != 5:
                raise SystemExit(f"wheel smoke: FAILED: health {health}")
            step(f"health ok at {base}; vendor calls: {vendor_calls(base)}")
            contract = run(
                lms_sim,
                "contract",
                "--vendor",
                "msportal",
                "--base-url",
                f"{base}/msportal",
                "--auth",
                "demo",
                "--max-examples",
                "2",
                "--phases",
                "examples",
                cwd=work,
            )
            step(f"contract ran: {contract.strip().splitlines()[-1] if contract.strip() else '(no output)'}")
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    keep = "--keep" in sys.argv
    tmp = Path(tempfile.mkdtemp(prefix="lms-sim-wheel-"))
    started = time.perf_counter()
    try:
        run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp / "dist", ROOT, cwd=tmp)
        wheel = next((tmp / "dist").glob("lms_simulator-*.whl"))
        step(f"built {wheel.name}")
        run(sys.executable, "-m", "venv", tmp / "venv", cwd=tmp)
        bin_dir = tmp / "venv" / "bin"
        run(bin_dir / "python", "-m", "pip", "install", "--quiet", wheel, cwd=tmp)
        step("installed into a fresh venv with no extras")
        work = tmp / "elsewhere"
        work.mkdir()
        lms_sim = bin_dir / "lms-sim"
        if "usage: lms-sim" not in run(lms_sim, "--help", cwd=work):
            raise SystemExit("wheel smoke: FAILED: lms-sim --help")
        listing = run(lms_sim, "specs", "--export", "specs-out", cwd=work)
        exported = sorted(p.name for p in (work / "specs-out").glob("*.yaml"))
        if len(exported) != 6 or "msportal" not in listing:
            raise SystemExit(f"wheel smoke: FAILED: lms-sim specs listed {listing!r}, exported {exported}")
        step(f"specs listed and exported: {', '.join(exported)}")
        serve_and_check(lms_sim, work)
        run(bin_dir / "python", "-m", "pip", "install", "--quiet", PYTEST, cwd=tmp)
        (work / "test_plugin.py").write_text(PLUGIN_TEST)
        outcome = run(bin_dir / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_plugin.py", cwd=work)
        step(f"pytest plugin: {outcome.strip().splitlines()[-1]}")
        step(f"passed in {time.perf_counter() - started:.0f} s")
    finally:
        if keep:
            step(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
