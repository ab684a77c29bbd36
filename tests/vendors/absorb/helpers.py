"""Helpers for the Absorb tests: the demo ids, an authenticated client, error checks."""

from __future__ import annotations

from typing import Any

from simulator.testing.harness import InProcessSimulator

ACME_KEY = "a0000000-0000-4000-8000-000000000001"
GLOBEX_KEY = "b0000000-0000-4000-8000-000000000002"
ADMIN = ("api.admin", "Passw0rd!")
ACME_LEARNER = ("alice.anderson", "Learn3r!")
GLOBEX_LEARNER = ("gina.gold", "Learn3r!")


def acme(kind: str, tail: str) -> str:
    """An acme demo id, e.g. acme("user", "a001")."""
    return f"aa000000-0000-4000-8000-{tail:0>12}"


def globex(tail: str) -> str:
    return f"bb000000-0000-4000-8000-{tail:0>12}"


ALICE = acme("user", "a001")
BOB = acme("user", "a002")
SAFETY = acme("course", "c001")  # 2 chapters x 2 lessons, passing score 70
PRIVACY = acme("course", "c002")  # 1 chapter x 3 lessons, passing score 80
LEADERSHIP = acme("course", "c003")
APPROVAL = acme("course", "c004")  # requires approval
FORKLIFT = acme("course", "c005")  # ILC
MORNING = acme("session", "5c501")  # capacity 3, 5 enrolled (2 waitlisted)
AFTERNOON = acme("session", "5c502")  # capacity 10
SERVICE = acme("course", "c006")
SAFETY_LESSONS = [acme("lesson", t) for t in ("1c1011", "1c1012", "1c1021", "1c1022")]
SAFETY_CHAPTERS = [acme("chapter", "c1001"), acme("chapter", "c1002")]


class Absorb:
    """A client for /absorb with the demo key and a token."""

    def __init__(self, sim: InProcessSimulator, key: str = ACME_KEY, login: tuple[str, str] = ADMIN) -> None:
        self.sim = sim
        self.key = key
        self.token = self.authenticate(*login)

    def authenticate(self, username: str, password: str) -> str:
        r = self.sim.client.post(
            "/absorb/authenticate",
            json={"username": username, "password": password, "privateKey": self.key},
            headers={"x-api-key": self.key, "x-api-version": "2"},
        )
        assert r.status_code == 200, r.text
        token: str = r.json()
        return token

    def headers(self, **extra: str) -> dict[str, str]:
        return {"x-api-key": self.key, "x-api-version": "2", "Authorization": f"Bearer {self.token}", **extra}

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return self.sim.client.request(method, f"/absorb{path}", headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        r = self.request(method, path, **kwargs)
        assert r.status_code == status, f"{method} {path} -> {r.status_code}: {r.text}"
        return r.json() if r.content else None


def assert_error(response: Any, status: int) -> dict[str, Any]:
    """The response is Absorb's error envelope with this status."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"validations", "code", "message", "term", "_meta"}
    assert body["code"] == status
    assert isinstance(body["validations"], list)
    return body
