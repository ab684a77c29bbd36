"""`GET /_sim/openapi.json` is public even with `--admin-token`, as every bundled spec is, and the
documents say so (the spec holds no state and no secret); every other control call needs the token."""

from __future__ import annotations

from pathlib import Path

from simulator.testing.harness import InProcessSimulator, test_settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_control_api_spec_is_public_and_says_so() -> None:
    sim = InProcessSimulator(test_settings(admin_token="t0k"), frozen=False)
    try:
        served = sim.client.get("/_sim/openapi.json")
        assert served.status_code == 200
        assert "(`/_sim/openapi.json`) is public" in served.json()["info"]["description"]
        assert sim.client.get("/_sim/health").status_code == 401
    finally:
        sim.close()


def test_the_security_document_says_the_spec_is_public() -> None:
    text = (ROOT / "docs" / "security.md").read_text()
    assert "`GET /_sim/openapi.json` is public" in text
