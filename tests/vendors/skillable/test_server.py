"""Over a real socket: the `api_key` header (with its underscore) survives uvicorn's parser."""

from __future__ import annotations

import pytest

from simulator.testing.harness import ServerSimulator


@pytest.mark.server
def test_api_key_header_over_a_real_socket(lms_sim_server: ServerSimulator) -> None:
    url = lms_sim_server.url("skillable", "/GetClassEnrollment/45001")
    ok = lms_sim_server.client.get(url, headers={"api_key": "skl-acme-key"})
    assert ok.status_code == 200 and ok.json()["Status"] == 0
    assert ok.json()["Results"][0]["Id"] == 45001
    refused = lms_sim_server.client.get(url, headers={"api-key": "skl-acme-key"})
    assert refused.status_code == 200 and refused.json() == {"Status": 30, "Error": None, "Results": []}
