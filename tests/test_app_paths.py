"""A newline in a path parameter (`%0A`) reaches the vendor's own validation, not Starlette's plain 404."""

from __future__ import annotations

from simulator.testing.harness import CONTROL_JSON, InProcessSimulator


def test_newline_in_a_path_parameter_gets_the_vendors_own_error(lms_sim: InProcessSimulator) -> None:
    auth = {"Authorization": "Bearer msp_acme_full"}
    vendor = lms_sim.client.get("/msportal/api/public/v1/training/courses/a%0Ab", headers=auth)
    assert (vendor.status_code, vendor.headers["content-type"]) == (400, "application/json")
    assert vendor.json()["details"][0]["field"] == "path.id"
    admin = lms_sim.client.post("/_sim/snapshots/a%0Ab", headers=CONTROL_JSON)
    assert (admin.status_code, admin.headers["content-type"]) == (400, "application/json")
