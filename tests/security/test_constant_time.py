"""Secrets are compared in constant time: a house rule over the whole code base.

An `==` or `!=` between a secret-looking value (a password, secret, private key or token)
and anything that is not a literal must be `hmac.compare_digest` instead, so response
timing says nothing about how much of a guess was right. SQL expressions on a model's
column (`Model.token == value`) are keyed lookups in the database and are not flagged.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from simulator.testing.harness import InProcessSimulator

ROOT = Path(__file__).resolve().parents[2] / "simulator"
SECRET_NAME = re.compile(r"(password|secret|private_?key|privatekey|token|api_?key)$", re.IGNORECASE)


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    if isinstance(node, ast.Call):  # body["privateKey"].strip().lower()
        func = node.func
        return _name(func.value) if isinstance(func, ast.Attribute) else None
    return None


def _is_column(node: ast.expr) -> bool:
    """`Model.column`: an SQL expression, evaluated by the database as a keyed lookup."""
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id[:1].isupper()


def secret_comparisons(source: str) -> list[int]:
    """Line numbers of `==`/`!=` comparisons between a secret-looking value and a non-literal."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
            if not isinstance(op, ast.Eq | ast.NotEq):
                continue
            if any(isinstance(side, ast.Constant) or _is_column(side) for side in (left, right)):
                continue
            names = [_name(left), _name(right)]
            if any(n is not None and SECRET_NAME.search(n) for n in names):
                found.append(node.lineno)
    return found


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_secrets_are_compared_in_constant_time(path: Path) -> None:
    lines = secret_comparisons(path.read_text())
    source = path.read_text().splitlines()
    assert lines == [], "use hmac.compare_digest:\n" + "\n".join(f"{n}: {source[n - 1].strip()}" for n in lines)


def test_the_rule_catches_what_it_should() -> None:
    assert secret_comparisons("ok = user.password != body['password']") == [1]
    assert secret_comparisons("ok = secret == client.client_secret") == [1]
    assert secret_comparisons("ok = body['privateKey'].strip().lower() != api_key") == [1]
    assert secret_comparisons("ok = grant_type == 'password'") == []
    assert secret_comparisons("q = select(T).where(T.token == token)") == []
    assert secret_comparisons("ok = hmac.compare_digest(a.password, b)") == []


@pytest.mark.parametrize(
    ("vendor", "call"),
    [
        (
            "absorb",
            {
                "method": "POST",
                "path": "/authenticate",
                "headers": {"x-api-key": "a0000000-0000-4000-8000-000000000001", "x-api-version": "2"},
                "json": {
                    "username": "api.admin",
                    "password": "Passw0rd?",
                    "privateKey": "a0000000-0000-4000-8000-000000000001",
                },
            },
        ),
        (
            "docebo",
            {
                "method": "POST",
                "path": "/oauth2/token",
                "data": {
                    "grant_type": "password",
                    "client_id": "acme-client",
                    "client_secret": "acme-secret",
                    "username": "api.admin",
                    "password": "Passw0rd",
                },
            },
        ),
    ],
)
def test_a_near_miss_password_is_still_refused(
    lms_sim: InProcessSimulator, vendor: str, call: dict[str, object]
) -> None:
    """The comparisons above were rewritten; a password one character off must still fail."""
    method, path = str(call.pop("method")), str(call.pop("path"))
    response = lms_sim.call(method, vendor, path, **call)
    assert response.status_code in (400, 401), response.text
