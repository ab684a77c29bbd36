"""Which real vendor URLs the test kit answers, and where on the simulator they land."""

from __future__ import annotations

import pytest

from simulator.testing.hosts import VendorHosts

ROUTES = [
    ("rest.myabsorb.com", "/users", ("absorb", "/users")),
    ("rest.myabsorb.eu", "/enrollments", ("absorb", "/enrollments")),
    ("rest.sandbox.myabsorb.com.au", "/authenticate", ("absorb", "/authenticate")),
    ("acme.docebosaas.com", "/learn/v1/enrollments", ("docebo", "/learn/v1/enrollments")),
    ("ACME.DoceboSaaS.com.", "/oauth2/token", ("docebo", "/oauth2/token")),
    ("public.api.learn.link", "/rest/v1/learning/enrolments", ("learnlink", "/rest/v1/learning/enrolments")),
    ("app.msportal.ai", "/api/public/v1/training/enrollments", ("msportal", "/api/public/v1/training/enrollments")),
    ("tms.skillable.com", "/api/SearchClasses", ("skillable", "/SearchClasses")),
]


@pytest.mark.parametrize(("host", "path", "expected"), ROUTES)
def test_vendor_hosts_route_to_the_vendor_prefix(host: str, path: str, expected: tuple[str, str]) -> None:
    assert VendorHosts().route(host, path) == expected


@pytest.mark.parametrize(
    "host", ["example.org", "myabsorb.com.evil.test", "docebosaas.community", "api.learn.link", "msportal.ai"]
)
def test_other_hosts_are_not_routed(host: str) -> None:
    hosts = VendorHosts()
    assert hosts.route(host, "/x") is None
    assert not hosts.owns(host)
    assert not hosts.passes_through(host)


def test_skillable_host_is_configurable_with_its_path_prefix() -> None:
    hosts = VendorHosts.build(skillable_url="https://lms.training.example/tms/api/")
    assert hosts.route("lms.training.example", "/tms/api/GetClassEnrollment/45001") == (
        "skillable",
        "/GetClassEnrollment/45001",
    )
    assert hosts.route("tms.skillable.com", "/api/SearchClasses") is None
    assert hosts.owns("lms.training.example") and hosts.route("lms.training.example", "/other") is None


def test_passthrough_choices() -> None:
    assert VendorHosts().passes_through("127.0.0.1") and VendorHosts().passes_through("localhost")
    assert VendorHosts().passes_through("[::1]")
    assert VendorHosts.build(passthrough=True).passes_through("example.org")
    listed = VendorHosts.build(passthrough=["API.internal.test"])
    assert listed.passes_through("api.internal.test") and not listed.passes_through("example.org")
