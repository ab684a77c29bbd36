"""`lms-sim generate`: generated documents load through every vendor's loader and serve requests."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from sqlalchemy import text

from simulator import cli
from simulator.core import ids
from simulator.generate import generate_document, generators, write_document
from simulator.testing.harness import InProcessSimulator, test_settings

TENANTS, USERS, COURSES, SEED = 2, 16, 5, 7

# Every status each vendor has, as stored in its enrollment table.
STATUS_SQL = {
    "msportal": ("SELECT DISTINCT status FROM msportal_enrollments", {"not_started", "in_progress", "completed"}),
    "docebo": ("SELECT DISTINCT status FROM docebo_enrollments", {-2, -1, 0, 1, 2, 3, 4}),
    "skillable": (
        "SELECT DISTINCT enrollment_status_id FROM skillable_class_enrollments",
        {0, 10, 20, 30, 40, 50, 60},
    ),
    "learnlink": (
        "SELECT DISTINCT status FROM learnlink_enrolments",
        {"scheduled", "open", "overdue", "complete", "archived"},
    ),
    "absorb": ("SELECT DISTINCT status FROM absorb_course_enrollments", set(range(13))),
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return generate_document(TENANTS, USERS, COURSES, SEED)


@pytest.fixture(scope="module")
def sim(document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessSimulator]:
    path = tmp_path_factory.mktemp("generated") / "doc.json"
    write_document(document, path)
    simulator = InProcessSimulator(test_settings(fixtures=path))
    yield simulator
    simulator.close()


def test_every_vendor_has_a_generator() -> None:
    assert set(generators()) == {v for v in STATUS_SQL if v in _loaded_vendors()}


def _loaded_vendors() -> set[str]:
    from simulator.vendors import all_vendors

    return {v.name for v in all_vendors()}


def test_counts_match_the_flags(document: dict[str, Any]) -> None:
    assert sorted(document["tenants"]) == ["t1", "t2"]
    for sections in document["tenants"].values():
        assert set(sections) == set(generators())
        for name, section in sections.items():
            course_key = {"skillable": "classes", "learnlink": "contents"}.get(name, "courses")
            assert len(section["users"]) == USERS, name
            assert len(section[course_key]) == COURSES, name


@pytest.mark.parametrize("vendor", sorted(STATUS_SQL))
def test_every_status_is_loaded(sim: InProcessSimulator, vendor: str) -> None:
    if vendor not in generators():
        pytest.skip(f"{vendor} is not in this build")
    query, expected = STATUS_SQL[vendor]
    with sim.session() as session:
        for tenant in ("t1", "t2"):
            table = query.split("FROM ")[1]
            rows = session.execute(text(f"{query} WHERE tenant = :t"), {"t": tenant}).scalars()
            assert set(rows) == expected, (tenant, table)


def _headers(sim: InProcessSimulator, vendor: str, tenant: str, document: dict[str, Any]) -> dict[str, str]:
    if vendor == "msportal":
        return {"Authorization": f"Bearer msp_{tenant}_full"}
    if vendor == "skillable":
        return {"api_key": f"skl-{tenant}-key"}
    if vendor == "learnlink":
        tenant_id = document["tenants"][tenant]["learnlink"]["tenantId"]
        token = base64.b64encode(f"{tenant_id}:{tenant}-secret".encode()).decode()
        return {"Authorization": f"Basic {token}"}
    if vendor == "docebo":
        form = {
            "grant_type": "password",
            "client_id": f"{tenant}-client",
            "client_secret": f"{tenant}-secret",
            "scope": "api",
            "username": "api.admin",
            "password": "Passw0rd!",
        }
        response = sim.call("POST", "docebo", "/oauth2/token", data=form)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}
    raise AssertionError(vendor)


def test_generated_tenants_serve_requests(sim: InProcessSimulator, document: dict[str, Any]) -> None:
    for tenant in ("t1", "t2"):
        section = document["tenants"][tenant]
        if "msportal" in section:
            first = section["msportal"]["enrollments"][0]
            r = sim.call(
                "GET",
                "msportal",
                f"/api/public/v1/training/enrollments/{first['id']}",
                headers=_headers(sim, "msportal", tenant, document),
            )
            assert r.status_code == 200 and r.json()["data"]["status"] == first["status"]
        if "docebo" in section:
            r = sim.call("GET", "docebo", "/learn/v1/enrollments", headers=_headers(sim, "docebo", tenant, document))
            assert r.status_code == 200, r.text
            assert r.json()["data"]["count"] == len(section["docebo"]["enrollments"])
        if "skillable" in section:
            first = section["skillable"]["class_enrollments"][0]
            r = sim.call(
                "GET",
                "skillable",
                f"/GetClassEnrollment/{first['Id']}",
                headers=_headers(sim, "skillable", tenant, document),
            )
            assert r.status_code == 200 and r.json()["Status"] == 0, r.text
        if "learnlink" in section:
            assignment = ids.derived_object_id("learnlink", tenant, "assignment", "a0")
            r = sim.call(
                "GET",
                "learnlink",
                f"/rest/v1/assignments/{assignment}/enrolments",
                headers=_headers(sim, "learnlink", tenant, document),
            )
            assert r.status_code == 200 and r.json(), r.text


def test_tenants_do_not_see_each_other(sim: InProcessSimulator, document: dict[str, Any]) -> None:
    other = document["tenants"]["t2"]["msportal"]["enrollments"][0]["id"]
    r = sim.call(
        "GET",
        "msportal",
        f"/api/public/v1/training/enrollments/{other}",
        headers=_headers(sim, "msportal", "t1", document),
    )
    assert r.status_code == 404


def test_msportal_dates_and_scores_are_consistent(document: dict[str, Any]) -> None:
    for row in document["tenants"]["t1"]["msportal"]["enrollments"]:
        enrolled = _hours(row["enrolledAt"])
        if row["status"] == "not_started":
            assert "startedAt" not in row and "completedAt" not in row
            continue
        assert _hours(row["startedAt"]) <= enrolled
        if row["status"] == "completed":
            assert _hours(row["completedAt"]) <= _hours(row["startedAt"]) and 0 <= row["score"] <= 100
        else:
            assert "completedAt" not in row and 0 < row["progress"] < 100


def test_skillable_seats_never_exceed_capacity(document: dict[str, Any]) -> None:
    for sections in document["tenants"].values():
        section = sections["skillable"]
        held: dict[int, int] = {}
        for row in section["class_enrollments"]:
            if row["EnrollmentStatusId"] in (50, 60):
                held[row["ClassId"]] = held.get(row["ClassId"], 0) + 1
        sizes = {c["Id"]: c["Size"] for c in section["classes"]}
        assert held and all(held[c] <= sizes[c] for c in held)


def test_global_ids_differ_between_tenants(document: dict[str, Any]) -> None:
    t1, t2 = (document["tenants"][t] for t in ("t1", "t2"))
    for vendor, key, field in (
        ("msportal", "enrollments", "id"),
        ("skillable", "class_enrollments", "Id"),
        ("skillable", "users", "Id"),
        ("skillable", "classes", "Id"),
    ):
        assert not {r[field] for r in t1[vendor][key]} & {r[field] for r in t2[vendor][key]}, (vendor, key)


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    a, b, c = (tmp_path / n for n in ("a.json", "b.json", "c.json"))
    write_document(generate_document(1, 8, 3, 1), a)
    write_document(generate_document(1, 8, 3, 1), b)
    write_document(generate_document(1, 8, 3, 2), c)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_one_vendor_does_not_change_when_others_are_left_out() -> None:
    full = generate_document(1, 8, 3, 5)
    alone = generate_document(1, 8, 3, 5, vendors=["docebo"])
    assert alone["tenants"]["t1"] == {"docebo": full["tenants"]["t1"]["docebo"]}


def test_cli_writes_yaml_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "small.yaml"
    cli.main(
        [
            "generate",
            "--tenants",
            "2",
            "--users",
            "5",
            "--courses",
            "3",
            "--seed",
            "3",
            "--out",
            str(out),
            "--vendors",
            "msportal,skillable",
            "--progress",
        ]
    )
    captured = capsys.readouterr()
    assert "wrote" in captured.out and "2/4" in captured.err and captured.err.endswith("\n")
    doc = yaml.safe_load(out.read_text())
    assert set(doc["tenants"]["t2"]) == {"msportal", "skillable"}
    json_out = tmp_path / "small.json"
    cli.main(["generate", "--users", "5", "--courses", "3", "--seed", "3", "--out", str(json_out)])
    assert set(orjson.loads(json_out.read_bytes())["tenants"]) == {"t1"}
    sim = InProcessSimulator(test_settings(fixtures=out))
    try:
        r = sim.call(
            "GET", "msportal", "/api/public/v1/training/courses", headers={"Authorization": "Bearer msp_t2_read"}
        )
        assert r.status_code == 200 and len(r.json()["data"]) == 3
    finally:
        sim.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--users", "0"], "at least 1"),
        (["--vendors", "nope"], "no generator for nope"),
        (["--out", "/nonexistent/dir/x.json"], "cannot write"),
    ],
)
def test_cli_bad_arguments_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    argv = ["generate", "--users", "3", "--courses", "2", "--out", str(tmp_path / "x.json"), *args]
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def _hours(relative: str) -> int:
    """Hours before now of an "@now-PT{h}H" string (0 for "@now")."""
    match = re.fullmatch(r"@now(?:-PT(\d+)H)?", relative)
    assert match, relative
    return int(match.group(1) or 0)
