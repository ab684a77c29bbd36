"""The dashboard over HTTP (in-process): the page, its fragments and its JSON, and bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from simulator.core import clock
from simulator.testing.harness import InProcessSimulator

HTML = {"accept": "text/html,application/xhtml+xml"}
ASSIGNMENT = "64b000000000000000f00001"


def _json(sim: InProcessSimulator, path: str, status: int = 200) -> Any:
    response = sim.client.get(f"/_dashboard/api/{path}")
    assert response.status_code == status, response.text
    return response.json()


def test_browsers_get_the_page_and_api_clients_keep_the_json_index(lms_sim: InProcessSimulator) -> None:
    page = lms_sim.client.get("/", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for vendor in lms_sim.runtime.vendors:
        assert f"http://testserver/{vendor}" in page.text
    assert "msp_acme_full" in page.text and "skl-globex-key" in page.text  # demo credentials, with copy buttons
    assert clock.iso(lms_sim.now(), millis=True) in page.text
    assert "https://" not in page.text.split("<body>")[0]  # no CDN: every asset is served by the simulator
    index = lms_sim.client.get("/").json()
    assert index["admin"] == "http://testserver/_sim"
    for asset in ("dashboard.js", "dashboard.css"):
        assert lms_sim.client.get(f"/_dashboard/static/{asset}").status_code == 200


def test_overview_counts_records_and_statuses_per_tenant(lms_sim: InProcessSimulator) -> None:
    overview = _json(lms_sim, "overview")
    assert overview["tenants"] == ["acme", "globex"]
    learnlink = next(v for v in overview["vendors"] if v["name"] == "learnlink")
    listed = lms_sim.call("GET", "learnlink", f"/rest/v1/assignments/{ASSIGNMENT}/enrolments", headers=_ll())
    assert listed.status_code == 200
    acme = learnlink["statusCounts"]["acme"]
    assert learnlink["enrollments"]["acme"] == sum(acme.values()) > 0
    assert learnlink["records"]["acme"] > learnlink["enrollments"]["acme"]  # users, contents, events... too
    assert {c["tenant"] for c in learnlink["credentials"]} == {"acme", "globex"}


def _ll() -> dict[str, str]:
    from simulator.testing.demo_auth import learnlink

    return learnlink(None, "acme")


def test_an_open_learnlink_enrolment_turns_overdue_when_the_clock_passes_its_due_date(
    lms_sim: InProcessSimulator,
) -> None:
    now = lms_sim.now()
    rows = _json(lms_sim, "enrollments/learnlink?tenant=acme&status=open&limit=200")["enrollments"]
    due_soon = [r for r in rows if clock.parse_instant(r["due"]) < now + dt.timedelta(days=60)]
    assert due_soon, "the demo fixtures have open enrolments due within 60 days"
    target = due_soon[0]
    before = _json(lms_sim, f"enrollments/learnlink/acme/{target['id']}")
    assert before["summary"]["status"] == "open" and before["history"][-1]["nextStatus"] == "open"

    lms_sim.advance(duration="P60D")

    after = _json(lms_sim, f"enrollments/learnlink/acme/{target['id']}")
    assert after["summary"]["status"] == "overdue"
    assert after["history"][-1] | {"createdAt": None, "updatedAt": None} == {
        "type": "due",
        "completionId": None,
        "previousStatus": "open",
        "nextStatus": "overdue",
        "createdAt": None,
        "updatedAt": None,
    }
    # The same event log the vendor's own API serves.
    path = f"/rest/v1/assignments/{after['fields']['assignmentId']}/enrolments/{target['id']}"
    vendor = lms_sim.call("GET", "learnlink", path, headers=_ll()).json()
    assert vendor["history"] == after["history"]
    fragment = lms_sim.client.get(
        "/_dashboard/partials/enrollment", params={"vendor": "learnlink", "tenant": "acme", "id": target["id"]}
    )
    assert 'data-status="overdue"' in fragment.text and "Event log" in fragment.text


def test_the_enrollment_list_fragment_colour_codes_the_vendors_own_values(lms_sim: InProcessSimulator) -> None:
    fragment = lms_sim.client.get("/_dashboard/partials/enrollments", params={"vendor": "absorb", "status": "3"})
    assert fragment.status_code == 200
    assert 'class="badge tone-done" data-status="3"' in fragment.text and "Complete" in fragment.text
    assert 'data-status="1"' not in fragment.text


def test_traffic_counts_requests_and_errors_from_the_journal(lms_sim: InProcessSimulator) -> None:
    path = "/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000002"
    headers = {"Authorization": "Bearer msp_acme_full"}
    lms_sim.fault(vendor="msportal", method="GET", path=path, status=503, times=1)
    statuses = [lms_sim.call("GET", "msportal", path, headers=headers).status_code for _ in range(4)]
    assert statuses == [503, 200, 200, 200]
    traffic = _json(lms_sim, "traffic?window=300&vendor=msportal")
    assert sum(b["requests"] for b in traffic["buckets"]) == 4
    assert sum(b["errors"] for b in traffic["buckets"]) == 1
    charts = lms_sim.client.get("/_dashboard/partials/charts").text
    assert "4 requests, 1 errors (25%)" in charts
    for vendor in lms_sim.runtime.vendors:
        assert f'data-vendor="{vendor}"' in charts


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/_dashboard/api/enrollments/nope", 404, "unknown vendor"),
        ("/_dashboard/api/enrollments/docebo?limit=0", 400, "limit must be between"),
        ("/_dashboard/api/enrollments/docebo?offset=-1", 400, "offset must be between"),
        ("/_dashboard/api/enrollments/docebo?limit=%00", 400, "limit must be an integer"),
        ("/_dashboard/api/enrollments/docebo?tenant=nobody", 404, "unknown tenant"),
        ("/_dashboard/api/enrollments/docebo?q=" + "x" * 201, 400, "longer than"),
        ("/_dashboard/api/enrollments/docebo/acme/1:x", 404, "no docebo enrollment"),
        ("/_dashboard/api/enrollments/skillable/acme/%F0%9F%92%A5", 404, "no skillable enrollment"),
        ("/_dashboard/api/traffic?window=10", 400, "window must be between"),
        ("/_dashboard/api/traffic?vendor=nope", 404, "unknown vendor"),
    ],
)
def test_bad_input_gets_a_4xx_with_a_message(lms_sim: InProcessSimulator, path: str, status: int, message: str) -> None:
    response = lms_sim.client.get(path)
    assert response.status_code == status
    assert message in response.json()["error"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"vendor": "learnlink"},
        {"vendor": "learnlink", "tenant": "acme"},
        {"vendor": "x", "tenant": "acme", "id": "1"},
    ],
)
def test_a_bad_detail_request_gets_an_html_error_fragment(lms_sim: InProcessSimulator, params: dict[str, str]) -> None:
    response = lms_sim.client.get("/_dashboard/partials/enrollment", params=params)
    assert response.status_code in (400, 404)
    assert response.text.startswith('<p class="alert" role="alert">')


def test_search_text_is_escaped_in_the_page(lms_sim: InProcessSimulator) -> None:
    response = lms_sim.client.get("/_dashboard/partials/enrollments", params={"vendor": "msportal", "q": "<script>x"})
    assert response.status_code == 200
    assert "<script>x" not in response.text and "&lt;script&gt;x" in response.text


def test_statuses_are_shown_as_of_the_clock_even_when_no_request_moved_them(lms_sim: InProcessSimulator) -> None:
    """A running clock moves time between requests; the dashboard catches up the way a vendor request does."""
    rows = _json(lms_sim, "enrollments/learnlink?tenant=acme&status=open&limit=200")["enrollments"]
    latest_due = max(clock.parse_instant(r["due"]) for r in rows)
    with lms_sim.session() as session:  # time passes: the clock moves with nothing caught up
        clock.set_clock(session, scope=clock.GLOBAL, to=latest_due + dt.timedelta(days=1))
    overdue = _json(lms_sim, "enrollments/learnlink?tenant=acme&status=overdue&limit=200")["enrollments"]
    assert {r["id"] for r in rows} <= {r["id"] for r in overdue}
    counts = _json(lms_sim, "overview")["vendors"]
    learnlink = next(v for v in counts if v["name"] == "learnlink")
    assert learnlink["statusCounts"]["acme"]["overdue"] == len(overdue)


def test_each_vendor_reference_lists_every_operation_of_its_spec(lms_sim: InProcessSimulator) -> None:
    from simulator.core.spec import load_spec

    for vendor in lms_sim.runtime.vendors.values():
        page = lms_sim.client.get(f"/_dashboard/reference/{vendor.name}").text
        spec = load_spec(vendor.spec_file)
        ids = [op["operationId"] for item in spec["paths"].values() for op in item.values() if "operationId" in op]
        assert ids and all(f'id="op-{i}"' in page for i in ids), vendor.name
        assert '<script src="http' not in page and '<link rel="stylesheet" href="http' not in page
    assert lms_sim.client.get("/_dashboard/reference/nobody").status_code == 404
