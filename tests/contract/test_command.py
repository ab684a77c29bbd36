"""`lms-sim contract` end to end: it passes against a live simulator and fails, naming the
operation, against a server that breaks the MSPortal contract in two known places."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from simulator.cli import main
from simulator.contract.auth import AuthError, resolve_auth
from simulator.testing.harness import InProcessSimulator, ServerSimulator
from tests.contract.conftest import serve

# Quick phases keep this in the default suite; tests/contract/test_deep.py runs every phase.
QUICK = ["--phases", "examples,fuzzing", "--max-examples", "5", "--seed", "7"]
COURSE = "GET /api/public/v1/training/courses/{id}"
ENROLLMENT = "GET /api/public/v1/training/enrollments/{id}"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["contract", *argv])
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out + captured.err


@pytest.fixture(scope="module")
def live_sim() -> Iterator[ServerSimulator]:
    sim = ServerSimulator()
    yield sim
    sim.close()


@pytest.mark.server
def test_passes_against_a_live_simulator(
    live_sim: ServerSimulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    junit = tmp_path / "contract.xml"
    code, out = run_cli(
        capsys, "--vendor", "msportal", "--base-url", live_sim.base_url("msportal"), "--auth", "demo", *QUICK,
        "--junit", str(junit),
    )  # fmt: skip
    assert code == 0, out
    assert "auth: demo api key of tenant acme (from the server)" in out
    assert "8/8 operations covered" in out and "0 failures, 0 errors" in out and "PASSED" in out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("8", "0", "0")


@pytest.mark.server
def test_read_only_sends_nothing_but_gets(live_sim: ServerSimulator, capsys: pytest.CaptureFixture[str]) -> None:
    live_sim.clear_requests()
    code, out = run_cli(
        capsys, "--vendor", "msportal", "--base-url", live_sim.base_url("msportal"), "--auth", "demo", "--read-only",
        *QUICK,
    )  # fmt: skip
    assert code == 0, out
    assert "PATCH" not in out and "POST" not in out
    methods = {entry["method"] for entry in live_sim.requests(vendor="msportal", limit=1000)}
    assert methods == {"GET"}


@pytest.mark.server
def test_read_only_leaves_out_gets_that_change_state(
    live_sim: ServerSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every Skillable call is a GET, writes included; the spec marks those `x-writes`.
    live_sim.clear_requests()
    code, out = run_cli(
        capsys, "--vendor", "skillable", "--base-url", live_sim.base_url("skillable"), "--auth", "demo", "--read-only",
        *QUICK,
    )  # fmt: skip
    assert code == 0, out
    assert "createClassEnrollment: excluded" in out and "updateClassEnrollment: excluded" in out
    operations = {entry["operationId"] for entry in live_sim.requests(vendor="skillable", limit=1000)}
    assert "getClassEnrollment" in operations
    assert not operations & {"createClassEnrollment", "updateClassEnrollment"}, operations


def _broken_msportal() -> tuple[Starlette, InProcessSimulator]:
    """The real simulator, except a course's passingScore is a string and a fetched enrollment answers 202."""
    sim = InProcessSimulator()

    async def forward(request: Request) -> httpx.Response:
        transport = httpx.ASGITransport(app=sim.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
            auth = {"Authorization": request.headers.get("authorization", "")}
            return await client.get(request.url.path, headers=auth)

    async def course_with_wrong_type(request: Request) -> Response:
        upstream = await forward(request)
        body = upstream.json()
        if upstream.status_code == 200:
            body["data"]["passingScore"] = "eighty"
        return JSONResponse(body, status_code=upstream.status_code)

    async def enrollment_with_undocumented_status(request: Request) -> Response:
        upstream = await forward(request)
        status = 202 if upstream.status_code == 200 else upstream.status_code
        return JSONResponse(upstream.json(), status_code=status)

    prefix = "/msportal/api/public/v1/training"
    app = Starlette(
        routes=[
            Route(f"{prefix}/courses/{{id}}", course_with_wrong_type, methods=["GET"]),
            Route(f"{prefix}/enrollments/{{id}}", enrollment_with_undocumented_status, methods=["GET"]),
            Mount("/", app=sim.app),
        ]
    )
    return app, sim


@pytest.mark.server
def test_fails_against_a_broken_server_and_names_the_operations(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    app, sim = _broken_msportal()
    junit = tmp_path / "broken.xml"
    with serve(app) as root:
        code, out = run_cli(
            capsys, "--vendor", "msportal", "--base-url", f"{root}/msportal", "--auth", "demo", *QUICK,
            "--junit", str(junit),
        )  # fmt: skip
    sim.close()
    assert code == 1, out
    lines = out.splitlines()
    failed = {line.split(None, 1)[1].rsplit("  ", 2)[0].strip() for line in lines if line.lstrip().startswith("FAIL")}
    assert failed == {COURSE, ENROLLMENT}, out
    course_block = out.split(f"FAIL {COURSE}")[1].split("FAIL")[0]
    assert "response_schema_conformance" in course_block and "curl -X GET" in course_block
    assert "status_code_conformance" in out.split(f"FAIL {ENROLLMENT}")[1]
    assert any(line.endswith("FAILED") for line in lines)
    failures = {case.get("name"): case.find("failure") for case in ET.parse(junit).getroot().iter("testcase")}
    assert {name for name, failure in failures.items() if failure is not None} == {COURSE, ENROLLMENT}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--vendor", "nope", "--base-url", "http://x"], "unknown vendor 'nope'"),
        (["--vendor", "msportal", "--base-url", "http://x", "--header", "no-colon"], "--header takes"),
        (["--vendor", "msportal", "--base-url", "http://x", "--phases", "examples,bogus"], "--phases takes"),
        (["--vendor", "msportal", "--base-url", "ftp://x"], "--base-url must be"),
        (["--vendor", "msportal", "--base-url", "http://x", "--auth", "token"], "--auth takes"),
    ],
)
def test_bad_flags_are_one_line_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_cli(capsys, *argv)
    assert code == 2
    assert message in out and "Traceback" not in out


def test_explicit_auth_forms() -> None:
    assert resolve_auth("bearer:abc", vendor="msportal", base_url=None).headers == {"Authorization": "Bearer abc"}
    assert resolve_auth("basic:ann:s3:cret", vendor="msportal", base_url=None).basic == ("ann", "s3:cret")


def test_demo_auth_falls_back_to_the_bundled_fixtures() -> None:
    # No simulator answers on this port (a proxy or a sandbox): the bundled demo fixtures still know the key.
    resolved = resolve_auth("demo", vendor="msportal", base_url="http://127.0.0.1:9/msportal")
    assert resolved.headers == {"Authorization": "Bearer msp_acme_full"}
    assert "bundled demo fixtures" in resolved.source
    with pytest.raises(AuthError, match="no demo credential for tenant nobody"):
        resolve_auth("demo:nobody", vendor="msportal", base_url=None)


@pytest.mark.parametrize("vendor", ["msportal", "docebo", "skillable"])
def test_demo_auth_works_for_each_vendor_scheme(vendor: str) -> None:
    # API key headers (MSPortal, Skillable's api_key) and an OAuth2 token from the spec's tokenUrl (Docebo).
    sim = InProcessSimulator()
    try:
        resolved = resolve_auth("demo", vendor=vendor, base_url=f"http://testserver/{vendor}", client=sim.client)
        assert "(from the server)" in resolved.source
        assert resolved.headers and all(value for value in resolved.headers.values())
    finally:
        sim.close()


def test_demo_auth_for_learnlink_takes_the_token_flow() -> None:
    # The spec's tokenUrl is absolute and names the tenant in its path: it is moved onto the
    # simulator and filled from the credential, and the token it answers allows the API.
    sim = InProcessSimulator()
    try:
        resolved = resolve_auth("demo", vendor="learnlink", base_url="http://testserver/learnlink", client=sim.client)
        assert "OAuth2 token" in resolved.source and resolved.basic is None
        r = sim.client.get("/learnlink/rest/v1/assignments", headers=resolved.headers)
        assert r.status_code == 200 and r.json(), r.text
        r = sim.client.post("/learnlink/rest/v1/assignments", headers=resolved.headers, json={})
        assert r.status_code == 422, "the token should carry the write scope too: " + r.text
    finally:
        sim.close()


def test_demo_auth_for_absorb_authenticates_first() -> None:
    # Absorb's token comes from its own POST /authenticate (the spec's x-token-operation) and goes
    # along with the portal key on every call.
    sim = InProcessSimulator()
    try:
        resolved = resolve_auth("demo", vendor="absorb", base_url="http://testserver/absorb", client=sim.client)
        assert set(resolved.headers) == {"x-api-key", "Authorization"}
        assert resolved.headers["Authorization"].startswith("Bearer ")
        r = sim.client.get("/absorb/users", headers={**resolved.headers, "x-api-version": "2"})
        assert r.status_code == 200, r.text
    finally:
        sim.close()


def test_a_server_that_is_not_there_is_one_line_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_cli(capsys, "--vendor", "msportal", "--base-url", "http://127.0.0.1:9/msportal", "--auth", "demo")
    assert code == 2, out
    assert "cannot reach http://127.0.0.1:9/msportal" in out
    assert len(out.strip().splitlines()) == 1 and "Traceback" not in out


@pytest.mark.server
def test_a_base_url_without_the_vendor_prefix_gets_a_hint(
    live_sim: ServerSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_cli(capsys, "--vendor", "absorb", "--base-url", live_sim.root_url, "--auth", "demo", *QUICK)
    assert code == 2, out
    assert f"pass --base-url {live_sim.root_url}/absorb" in out and len(out.strip().splitlines()) == 1


@pytest.mark.server
def test_an_admin_run_leaves_the_server_as_it_found_it(
    live_sim: ServerSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    control = f"{live_sim.root_url}/_sim"
    mine = {"vendor": "docebo", "path": "/nowhere/*", "status": 503, "times": 1}
    assert httpx.post(f"{control}/faults", json=mine).status_code == 201
    before = [
        {k: v for k, v in f.items() if k not in ("id", "createdAt")}
        for f in httpx.get(f"{control}/faults").json()["faults"]
    ]
    snapshots = httpx.get(f"{control}/snapshots").json()["snapshots"]
    code, out = run_cli(
        capsys, "--vendor", "admin", "--base-url", control, "--phases", "fuzzing,stateful", "--max-examples", "5"
    )
    assert code == 0 and "server restored after the run" in out, out
    after = [
        {k: v for k, v in f.items() if k not in ("id", "createdAt")}
        for f in httpx.get(f"{control}/faults").json()["faults"]
    ]
    assert after == before, "the fuzzed fault rules must be gone and ours back"
    assert httpx.get(f"{control}/snapshots").json()["snapshots"] == snapshots
    demo = httpx.get(f"{control}/vendors").json()["vendors"]
    msportal = next(v for v in demo if v["name"] == "msportal")["credentials"][0]["values"]
    assert (
        httpx.get(live_sim.base_url("msportal") + "/api/public/v1/training/courses", headers=msportal).status_code
        == 200
    )
    httpx.delete(f"{control}/faults")


def test_the_subcommand_is_built_without_schemathesis() -> None:
    # `lms-sim --help` must work on the runtime dependencies alone: building the `contract`
    # subcommand imports neither Schemathesis nor httpx.
    import subprocess
    import sys

    code = (
        "import sys\n"
        "for name in ('schemathesis', 'hypothesis'):\n"
        "    sys.modules[name] = None\n"
        "from simulator.cli import main\n"
        "try:\n"
        "    main(['contract', '--help'])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "assert not [m for m in sys.modules if m.startswith(('httpx', 'schemathesis.'))]\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--max-examples" in done.stdout


def test_a_run_dominated_by_the_rate_limit_says_so() -> None:
    from simulator.contract.runner import ContractOptions, run_contract
    from simulator.contract.targets import find_target
    from simulator.testing.harness import test_settings

    sim = InProcessSimulator(test_settings(vendor_options={"msportal": {"rate_limit_per_minute": 3}}), frozen=True)
    try:
        target = find_target("msportal")
        options = ContractOptions(target=target, app=sim.app, phases=("fuzzing",), max_examples=5, seed=7)
        options.headers = {"Authorization": "Bearer msp_acme_full"}
        report = run_contract(options)
    finally:
        sim.close()
    assert any("answered 429 (the server's rate limit)" in note for note in report.notes), report.summary()
    assert "NOTE" in report.summary()
