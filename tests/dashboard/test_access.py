"""With --admin-token, the dashboard is as closed as /_sim: a login form, then a cookie or the Bearer token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.dashboard import access
from simulator.testing.harness import InProcessSimulator, test_settings

TOKEN = "s3cret-admin"
HTML = {"accept": "text/html"}


@pytest.fixture
def sim() -> Iterator[InProcessSimulator]:
    simulator = InProcessSimulator(test_settings(admin_token=TOKEN), frozen=False)
    try:
        yield simulator
    finally:
        simulator.close()


@pytest.mark.parametrize(
    "path",
    [
        "/_dashboard/api/overview",
        "/_dashboard/api/enrollments/learnlink",
        "/_dashboard/api/traffic",
        "/_dashboard/partials/overview",
        "/_dashboard/partials/charts",
    ],
)
def test_without_the_token_every_dashboard_route_answers_401(sim: InProcessSimulator, path: str) -> None:
    assert sim.client.get(path).status_code == 401
    assert sim.client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert sim.client.get(path, headers={"cookie": f"{access.COOKIE}=forged"}).status_code == 401
    assert sim.client.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_the_page_asks_for_the_token_and_hides_everything_until_then(sim: InProcessSimulator) -> None:
    page = sim.client.get("/", headers=HTML)
    assert page.status_code == 401
    assert 'name="token"' in page.text and "msp_acme_full" not in page.text and TOKEN not in page.text


def test_a_wrong_token_is_refused_and_the_right_one_opens_the_page(sim: InProcessSimulator) -> None:
    wrong = sim.client.post("/_dashboard/login", data={"token": "guess"})
    assert wrong.status_code == 401 and access.COOKIE not in wrong.cookies
    assert "That is not this simulator" in wrong.text

    right = sim.client.post("/_dashboard/login", data={"token": TOKEN})
    assert right.status_code == 303 and right.headers["location"] == "/"
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie

    page = sim.client.get("/", headers=HTML)  # the client keeps the cookie
    assert page.status_code == 200 and "msp_acme_full" in page.text
    assert f'<meta name="lms-sim-admin-token" content="{TOKEN}">' in page.text  # for the page's /_sim calls
    assert sim.client.get("/_dashboard/api/overview").status_code == 200

    sim.client.post("/_dashboard/logout")
    assert sim.client.get("/", headers=HTML).status_code == 401


def test_the_control_api_still_wants_the_bearer_token_not_the_cookie(sim: InProcessSimulator) -> None:
    sim.client.post("/_dashboard/login", data={"token": TOKEN})
    assert sim.client.get("/_sim/clock").status_code == 401
    assert sim.client.get("/_sim/clock", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_without_an_admin_token_the_page_is_open_and_carries_no_token(lms_sim: InProcessSimulator) -> None:
    page = lms_sim.client.get("/", headers=HTML)
    assert page.status_code == 200
    assert '<meta name="lms-sim-admin-token" content="">' in page.text
