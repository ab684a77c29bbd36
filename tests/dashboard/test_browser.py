"""End to end in a real headless Chromium: the page drives a real server through /_sim.

One browser for the module (Debian's chromium, see simulator/dashboard/browser.py). When
it is missing these tests fail with a message saying how to install it: `make test`
installs it, so CI never skips them silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from simulator.core import clock
from simulator.dashboard.browser import launch
from simulator.testing.demo_auth import learnlink
from simulator.testing.harness import ServerSimulator, test_settings

pytestmark = pytest.mark.server

TIMEOUT_MS = 20_000
ENROLMENTS = "/rest/v1/assignments/64b000000000000000f00001/enrolments"
MSP_ENROLLMENT = "/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000002"
MSP_AUTH = {"Authorization": "Bearer msp_acme_full"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield opened
    finally:
        context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def _open_enrolment_due_within_60_days(sim: ServerSimulator) -> dict[str, Any]:
    listed = sim.client.get("/_dashboard/api/enrollments/learnlink", params={"tenant": "acme", "status": "open"})
    horizon = sim.now() + dt.timedelta(days=60)
    due_soon = [r for r in listed.json()["enrollments"] if clock.parse_instant(r["due"]) < horizon]
    assert due_soon, "the demo fixtures have an open Learn.link enrolment due within 60 days"
    return due_soon[0]  # type: ignore[no-any-return]


def _find(page: Page, vendor: str, tenant: str, text: str) -> None:
    page.select_option("#enrollment-vendor", vendor)
    page.select_option("#enrollment-filter select[name=tenant]", tenant)
    page.fill("#enrollment-search", text)
    page.click("#enrollment-filter button[type=submit]")


def test_a_learnlink_enrolment_turns_overdue_60_days_on_and_reset_brings_it_back(
    lms_sim_server: ServerSimulator, page: Page
) -> None:
    sim = lms_sim_server
    target = _open_enrolment_due_within_60_days(sim)
    page.goto(f"{sim.root_url}/")
    page.get_by_role("link", name="Enrollments").click()
    _find(page, "learnlink", "acme", target["id"])
    row = page.locator(f"#enrollment-table tr[data-id='{target['id']}']")
    expect(row.locator(".badge")).to_have_text("open")
    row.get_by_role("button", name="Open").click()
    expect(page.locator("#enrollment-detail .detail")).to_have_attribute("data-status", "open")

    page.fill("#advance-duration", "P60D")
    page.get_by_role("button", name="Advance", exact=True).click()

    expect(row.locator(".badge")).to_have_text("overdue")
    expect(page.locator("#enrollment-detail .detail")).to_have_attribute("data-status", "overdue")
    last_event = page.locator("#enrollment-detail .history tbody tr").last
    expect(last_event.locator("td").first).to_have_text("due")
    expect(page.locator("#clock-now")).to_have_text(clock.iso(sim.now(), millis=True) or "")

    page.get_by_role("link", name="Controls").click()
    page.get_by_role("button", name="Reset").click()
    expect(page.locator("#status-message")).to_contain_text("Reset all")
    page.get_by_role("link", name="Enrollments").click()
    expect(row.locator(".badge")).to_have_text("open")
    assert (
        sim.client.get(f"/_dashboard/api/enrollments/learnlink/acme/{target['id']}").json()["summary"]["status"]
        == "open"
    )


def test_an_injected_503_shows_up_in_the_live_journal(lms_sim_server: ServerSimulator, page: Page) -> None:
    sim = lms_sim_server
    page.goto(f"{sim.root_url}/#controls")
    form = page.locator("#fault-form")
    form.locator("select[name=vendor]").select_option("learnlink")
    form.locator("select[name=method]").select_option("GET")
    form.locator("input[name=path]").fill("/rest/v1/assignments/*")
    form.locator("input[name=status]").fill("503")
    form.locator("input[name=times]").fill("1")
    form.get_by_role("button", name="Add fault rule").click()
    expect(page.locator("#fault-table tbody tr")).to_have_count(1)
    assert [f["status"] for f in sim.admin("GET", "/faults")["faults"]] == [503]

    page.get_by_role("link", name="Journal").click()
    expect(page.locator("#journal-count")).to_have_text("0 requests")
    # A client elsewhere calls the vendor; the open page picks the failure up without a reload.
    assert sim.call("GET", "learnlink", ENROLMENTS, headers=learnlink(None, "acme")).status_code == 503
    failed = page.locator("#journal-table tbody tr[data-status='503']")
    expect(failed).to_have_count(1)
    failed.get_by_role("button").click()
    detail = page.locator("#journal-detail")
    expect(detail).to_contain_text("status 503")
    expect(detail).to_contain_text("fault: rule")
    expect(detail.locator("pre").last).to_contain_text("Injected fault")

    # A request the real API would reject: the journal shows the contract violation.
    bad = sim.call("PATCH", "msportal", MSP_ENROLLMENT, headers=MSP_AUTH, json={"progress": 120})
    assert bad.status_code == 400
    rejected = page.locator("#journal-table tbody tr[data-status='400']")
    expect(rejected).to_have_count(1)
    rejected.get_by_role("button").click()
    expect(detail.locator(".violations")).to_contain_text("progress")
    expect(detail.locator("pre").nth(1)).to_contain_text('"progress": 120')

    page.locator("#journal-filter input[name=status]").fill("200")
    page.locator("#journal-filter").get_by_role("button", name="Filter").click()
    expect(page.locator("#journal-count")).to_have_text("0 requests")
    page.locator("#journal-filter input[name=status]").fill("503")
    page.locator("#journal-filter").get_by_role("button", name="Filter").click()
    expect(page.locator("#journal-count")).to_have_text("1 request")


def test_with_an_admin_token_the_page_signs_in_and_its_script_sends_the_token(page: Page) -> None:
    sim = ServerSimulator(test_settings(admin_token="demo-token"), frozen=False)
    sim.client.headers["Authorization"] = "Bearer demo-token"
    try:
        sim.freeze()
        before = sim.now()
        page.goto(f"{sim.root_url}/")
        expect(page.get_by_label("Admin token")).to_be_visible()
        page.get_by_label("Admin token").fill("demo-token")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#overview .card")).to_have_count(len(sim.runtime.vendors))
        page.get_by_role("button", name="+1 day").click()
        expect(page.locator("#status-message")).to_contain_text("Clock advanced by P1D")
        assert sim.now() - before == dt.timedelta(days=1)
    finally:
        sim.close()


def _hash(page: Page) -> str:
    return str(page.evaluate("location.hash"))


def test_the_vendor_menu_reloads_the_list_and_every_view_has_an_address(
    lms_sim_live: ServerSimulator, page: Page
) -> None:
    sim = lms_sim_live
    page.goto(f"{sim.root_url}/#/enrollments/msportal")
    count = page.locator("#enrollment-count")
    expect(count).to_contain_text("msportal enrollment")
    page.select_option("#enrollment-vendor", "learnlink")
    expect(count).to_contain_text("learnlink enrollment")
    assert _hash(page) == "#/enrollments/learnlink"
    first = page.locator("#enrollment-table tbody tr").first
    tenant, key = first.get_attribute("data-tenant"), first.get_attribute("data-id")
    expect(first.locator(".tenant-tag")).to_have_text(tenant or "")
    first.get_by_role("button", name="Open").click()
    detail = page.locator("#enrollment-detail .detail")
    expect(detail).to_have_attribute("data-id", key or "")
    assert _hash(page) == f"#/enrollments/learnlink/{tenant}/{key}"

    page.reload()  # the address alone brings the same record back
    expect(page.locator("#enrollment-detail .detail")).to_have_attribute("data-id", key or "")
    expect(page.locator("#enrollment-vendor")).to_have_value("learnlink")

    page.go_back()
    expect(page.locator("#enrollment-detail .detail")).to_have_count(0)
    assert _hash(page) == "#/enrollments/learnlink"
    page.go_back()
    expect(count).to_contain_text("msportal enrollment")
    expect(page.locator("#enrollment-vendor")).to_have_value("msportal")


def test_an_opened_request_has_an_address(lms_sim_live: ServerSimulator, page: Page) -> None:
    sim = lms_sim_live
    answered = sim.call("GET", "msportal", MSP_ENROLLMENT, headers=MSP_AUTH)
    request_id = answered.headers["X-Request-Id"]
    page.goto(f"{sim.root_url}/#/journal")
    page.locator("#journal-table tbody tr").first.get_by_role("button").click()
    assert _hash(page) == f"#/journal/{request_id}"
    page.goto(f"{sim.root_url}/#/overview")
    page.goto(f"{sim.root_url}/#/journal/{request_id}")
    page.reload()
    expect(page.locator("#journal-detail h3")).to_have_attribute("data-request-id", request_id)
    page.go_back()
    expect(page.locator("#overview")).to_be_visible()


def test_every_fault_kind_and_the_tenant_rate_limit_and_webhook_controls(
    lms_sim_live: ServerSimulator, page: Page
) -> None:
    sim = lms_sim_live
    sim.admin(
        "POST",
        "/webhooks",
        json={"tenant": "acme", "kind": "assignment_subscription", "targetUrl": "http://127.0.0.1:9/h", "secret": "s"},
    )
    page.goto(f"{sim.root_url}/#/controls")
    kinds = page.locator("#fault-kind option").evaluate_all("options => options.map(o => o.value)")
    assert kinds == ["error", "latency", "drop", "hang", "empty", "malformed"]
    form = page.locator("#fault-form")
    form.locator("select[name=kind]").select_option("latency")
    expect(form.locator("input[name=status]")).to_be_hidden()
    form.locator("input[name=latencyMs]").fill("1500")
    form.get_by_role("button", name="Add fault rule").click()
    form.locator("select[name=kind]").select_option("hang")
    form.locator("input[name=hangSeconds]").fill("2")
    form.get_by_role("button", name="Add fault rule").click()
    form.locator("select[name=kind]").select_option("malformed")
    form.get_by_role("button", name="Add fault rule").click()
    expect(page.locator("#fault-table tbody tr")).to_have_count(3)
    rules = sim.admin("GET", "/faults")["faults"]
    assert [(r["kind"], r["latency"], r["hangSeconds"]) for r in rules] == [
        ("latency", {"ms": 1500}, None),
        ("hang", None, 2),
        ("malformed", None, None),
    ]

    page.locator("#clone-form").get_by_role("button", name="Clone tenant").click()
    expect(page.locator("#status-message")).to_contain_text("Cloned acme as")
    expect(page.locator("#clone-result li").first).to_contain_text("msportal")
    assert len(sim.admin("GET", "/tenants")["tenants"]) == 3

    page.locator("select[data-rate-vendor=docebo]").select_option("documented")  # from "switch to…"
    page.locator("#rate-limit-form").get_by_role("button", name="Switch").click()
    expect(page.locator("#status-message")).to_contain_text("docebo: rate-limit profile documented now in force")

    expect(page.locator("#webhook-table tbody tr")).to_have_count(1)
    expect(page.locator("#webhook-table tbody tr")).to_contain_text("http://127.0.0.1:9/h")
    sim.admin("PUT", "/vendors/docebo/rate-limit", json={"profile": "off"})


def test_the_api_reference_works_offline_with_the_demo_credentials(lms_sim_live: ServerSimulator, page: Page) -> None:
    sim = lms_sim_live
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(f"{sim.root_url}/#/overview")
    page.get_by_role("link", name="msportal", exact=True).last.click()
    expect(page.locator("h1")).to_contain_text("API reference")
    listing = page.locator("#op-listEnrollments")
    expect(listing.locator("input[name=path]")).to_have_value("/api/public/v1/training/enrollments")
    listing.get_by_role("button", name="Try it").click()
    expect(listing.locator(".answer")).to_have_attribute("data-status", "200")
    expect(listing.locator(".answer")).to_contain_text('"data"')

    # Docebo's calls need a token: one click gets it with the demo credential, for every form.
    page.get_by_role("link", name="docebo", exact=True).click()
    page.get_by_role("button", name="Get a token").click()
    expect(page.locator("#token-status")).to_have_text("Token obtained: every form below sends it.")
    docebo = page.locator("#op-listEnrollments")
    docebo.get_by_role("button", name="Try it").click()
    expect(docebo.locator(".answer")).to_have_attribute("data-status", "200")

    assert fetched and all(url.startswith(sim.root_url) or url.startswith("data:") for url in fetched), fetched
    sim.assert_called(vendor="msportal", operation_id="listEnrollments", count=1)
    sim.assert_called(vendor="docebo", operation_id="listEnrollments", status=200, count=1)


def test_every_state_changing_control_call_is_declared_json(lms_sim_live: ServerSimulator, page: Page) -> None:
    sim = lms_sim_live
    sent: list[tuple[str, str, str | None]] = []
    page.on(
        "request",
        lambda r: sent.append((r.method, r.url, r.headers.get("content-type"))) if "/_sim/" in r.url else None,
    )
    page.goto(f"{sim.root_url}/#/controls")
    page.locator("#snapshot-name").fill("demo")
    page.get_by_role("button", name="Save snapshot").click()
    page.get_by_role("button", name="Restore snapshot demo").click()
    expect(page.locator("#status-message")).to_contain_text("Restored snapshot demo")
    page.get_by_role("button", name="Delete snapshot demo").click()
    page.locator("#fault-form").get_by_role("button", name="Add fault rule").click()
    page.get_by_role("button", name="Remove fault rule 1").click()
    expect(page.locator("#fault-table tbody tr")).to_have_count(0)
    page.get_by_role("button", name="Reset").click()
    expect(page.locator("#status-message")).to_contain_text("Reset all")
    changing = [(m, u, t) for m, u, t in sent if m not in ("GET", "HEAD")]
    assert len(changing) >= 6, sent
    assert all(t == "application/json" for _, _, t in changing), changing
