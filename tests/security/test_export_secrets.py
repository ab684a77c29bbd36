"""`lms-sim export` never writes a token the API issued; an import makes clients authenticate again."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx

from simulator.app import create_app
from simulator.cli import export_state, import_state
from simulator.settings import DEFAULT_FIXTURES, Settings
from simulator.testing.asgi_client import AsgiTransport
from simulator.testing.demo_auth import headers_for


class _Client:
    """Just enough of the harness for the demo-auth helpers: `call(method, vendor, path, ...)`."""

    def __init__(self, db: Path) -> None:
        app = create_app(Settings(db=str(db), fixtures=DEFAULT_FIXTURES))
        self.runtime = app.state.runtime
        self.http = httpx.Client(transport=AsgiTransport(app), base_url="http://testserver")

    def call(self, method: str, vendor: str, path: str, **kwargs: object) -> httpx.Response:
        return self.http.request(method, f"/{vendor}{path}", **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        self.http.close()
        self.runtime.db.dispose()


def test_export_leaves_issued_tokens_out_and_import_makes_clients_authenticate_again(tmp_path: Path) -> None:
    db, dump = tmp_path / "s.db", tmp_path / "state.json"
    client = _Client(db)
    issued = {vendor: headers_for(vendor, client)["Authorization"].split(" ", 1)[1] for vendor in ("absorb", "docebo")}
    absorb_headers = headers_for("absorb", client)
    client.close()

    export_state(str(db), str(dump))
    text = dump.read_text()
    for vendor, token in issued.items():
        assert token not in text, f"the {vendor} token was exported"
    assert '"absorb_tokens"' not in text and '"docebo_tokens"' not in text
    assert stat.S_IMODE(dump.stat().st_mode) & 0o077 == 0, "the export is readable by others"

    import_state(str(db), str(dump))
    client = _Client(db)
    try:
        refused = client.call("GET", "absorb", "/courses", headers=absorb_headers)
        assert refused.status_code == 401  # the old token is gone with the import
        fresh = headers_for("absorb", client)  # configured credentials travelled: a new login works
        assert client.call("GET", "absorb", "/courses", headers=fresh).status_code == 200
    finally:
        client.close()
