"""Screenshots of the dashboard's main views for the README.

    python -m simulator.dashboard.screenshots docs/screenshots

Starts a simulator on the demo fixtures, sends some traffic (a 503 fault and a contract
violation among it), and photographs each view in headless Chromium (see browser.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy import select

from simulator.dashboard.browser import launch
from simulator.testing.harness import ServerSimulator

VIEWPORT_WIDTH, VIEWPORT_HEIGHT = 1440, 900
ABSORB_BOB = "aa000000-0000-4000-8000-00000000a002"
ABSORB_SAFETY = "aa000000-0000-4000-8000-00000000c001"  # 2 chapters x 2 lessons
ABSORB_LESSONS = ("aa000000-0000-4000-8000-0000001c1011", "aa000000-0000-4000-8000-0000001c1012")
MSP_ENROLLMENT = "/api/public/v1/training/enrollments/ac040000-0000-4000-8000-000000000002"


def demo_traffic(sim: ServerSimulator) -> None:
    """A little of everything the journal shows: reads, a write, a violation and an injected 503."""
    learnlink = sim.auth_headers("learnlink")
    msportal = sim.auth_headers("msportal")
    for _ in range(3):
        sim.call("GET", "learnlink", "/rest/v1/assignments/64b000000000000000f00001/enrolments", headers=learnlink)
        sim.call("GET", "msportal", MSP_ENROLLMENT, headers=msportal)
        sim.call("GET", "skillable", "/GetClassEnrollment/45001", headers=sim.auth_headers("skillable"))
    sim.call("PATCH", "msportal", MSP_ENROLLMENT, headers=msportal, json={"progress": 40})
    sim.call("PATCH", "msportal", MSP_ENROLLMENT, headers=msportal, json={"progress": 120})
    sim.fault(vendor="msportal", method="GET", path="/api/public/v1/training/enrollments/*", status=503, times=1)
    sim.call("GET", "msportal", MSP_ENROLLMENT, headers=msportal)
    sim.call("GET", "docebo", "/learn/v1/enrollments", headers=sim.auth_headers("docebo"))
    absorb_attempts(sim)
    learnlink_webhook(sim, learnlink)
    # Rules of other kinds, waiting to fire (Controls shows them).
    sim.fault(vendor="docebo", kind="latency", latency={"ms": 1500}, probability=0.25)
    sim.fault(vendor="skillable", operationId="createClassEnrollment", kind="drop", times=2)


def learnlink_webhook(sim: ServerSimulator, headers: dict[str, str]) -> None:
    """A subscription whose receiver is not listening (loopback), and an assignment that notifies it."""
    subscription = {"tenant": "acme", "kind": "assignment_subscription", "targetUrl": "http://127.0.0.1:9/hooks"}
    sim.admin("POST", "/webhooks", json={**subscription, "secret": "demo-secret"})
    body = {"audienceId": "64b000000000000000a00001", "contentId": "64b000000000000000c00005", "completionPeriod": 30}
    sim.call("POST", "learnlink", "/rest/v1/assignments", headers=headers, json=body)


def absorb_attempts(sim: ServerSimulator) -> None:
    """Bob takes Safety: passes the first lesson, fails the second once, then tries again."""
    headers = sim.auth_headers("absorb")
    enrollment = f"/users/{ABSORB_BOB}/enrollments/{ABSORB_SAFETY}"
    sim.call("POST", "absorb", enrollment, headers=headers)
    plans: tuple[tuple[tuple[int, int] | None, ...], ...] = (((3, 92),), ((5, 40), None))
    for lesson, outcomes in zip(ABSORB_LESSONS, plans, strict=True):
        for outcome in outcomes:
            started = sim.call("POST", "absorb", f"{enrollment}/lessons/{lesson}/attempts", headers=headers).json()
            sim.advance(600)
            if outcome is not None:
                status, score = outcome
                body = {"status": status, "score": score}
                sim.call("PUT", "absorb", f"/attempts/{started['attemptId']}", headers=headers, json=body)


def absorb_enrollment_with_attempts(sim: ServerSimulator) -> str:
    from simulator.vendors.absorb.models import AbsorbAttempt, AbsorbLessonEnrollment

    with sim.runtime.db.transaction() as session:
        row = session.execute(
            select(AbsorbLessonEnrollment.course_enrollment_id)
            .join(AbsorbAttempt, AbsorbAttempt.lesson_enrollment_id == AbsorbLessonEnrollment.id)
            .order_by(AbsorbLessonEnrollment.course_enrollment_id)
        ).first()
    assert row is not None, "the demo fixtures have Absorb attempts"
    return str(row[0])


def capture(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    sim = ServerSimulator()
    saved: list[Path] = []
    try:
        demo_traffic(sim)
        sim.snapshot("before-demo")
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport={"width": VIEWPORT_WIDTH, "height": VIEWPORT_HEIGHT})

            def shot(name: str, *, full_page: bool = False) -> None:
                page.evaluate("window.scrollTo(0, 0)")
                path = out / f"{name}.png"
                page.screenshot(path=str(path), full_page=full_page)
                saved.append(path)

            page.goto(f"{sim.root_url}/")
            page.locator("#overview .card").first.wait_for()
            shot("overview")

            page.goto(f"{sim.root_url}/#/enrollments/learnlink")
            page.fill("#enrollment-search", "Knuth")
            page.click("#enrollment-filter button[type=submit]")
            page.locator("#enrollment-count", has_text="Knuth").wait_for()
            page.locator("#enrollment-table tr[data-status=overdue] .open-enrollment").first.click()
            page.locator("#enrollment-detail .history").wait_for()
            shot("enrollments-learnlink")

            absorb_id = absorb_enrollment_with_attempts(sim)
            page.select_option("#enrollment-vendor", "absorb")
            page.fill("#enrollment-search", absorb_id)
            page.click("#enrollment-filter button[type=submit]")
            page.locator("#enrollment-count", has_text="absorb").wait_for()
            page.locator(f"#enrollment-table tr[data-id='{absorb_id}'] .open-enrollment").click()
            page.locator("#enrollment-detail .tree").first.wait_for()
            shot("enrollments-absorb")

            page.goto(f"{sim.root_url}/#/journal")
            page.locator("#journal-table tr[data-status='503'] button").first.click()
            page.locator("#journal-detail h3").wait_for()
            shot("journal")

            page.goto(f"{sim.root_url}/#/controls")
            page.locator("#snapshot-table tbody tr").first.wait_for()
            page.locator("#webhook-table tbody tr").first.wait_for()
            shot("controls", full_page=True)

            page.goto(f"{sim.root_url}/#/charts")
            page.locator("#charts-body .bar").first.wait_for()
            shot("charts", full_page=True)

            page.goto(f"{sim.root_url}/_dashboard/reference/docebo#op-listEnrollments")
            page.get_by_role("button", name="Get a token").click()
            page.locator("#token-status[data-ready]").wait_for()
            listing = page.locator("#op-listEnrollments")
            listing.get_by_role("button", name="Try it").click()
            listing.locator(".answer[data-status]").wait_for()
            listing.scroll_into_view_if_needed()
            path = out / "reference.png"
            page.screenshot(path=str(path))
            saved.append(path)
            browser.close()
    finally:
        sim.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", default=Path("docs/screenshots"))
    for path in capture(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
