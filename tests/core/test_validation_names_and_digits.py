"""Request validation: integers are ASCII digits; names fold case only when the vendor asks."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.core.spec import Operation
from simulator.core.validation import RequestValidator

RAW: dict[str, Any] = {
    "parameters": [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
        {"name": "_limit", "in": "query", "schema": {"type": "integer"}},
        {"name": "ratio", "in": "query", "schema": {"type": "number"}},
    ],
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {"type": "object", "required": ["username"], "properties": {"username": {"type": "string"}}}
            }
        }
    },
}
VALIDATOR = RequestValidator({}, Operation("op", "POST", "/x/{id}", [], "inferred", RAW), {})


def _parse(path_id: str, query: list[tuple[str, str]], body: bytes = b'{"username": "a"}', fold: bool = False) -> Any:
    return VALIDATOR.parse({"id": path_id}, query, {}, "application/json", body, None, fold_names=fold)


@pytest.mark.parametrize("digits", ["\uff13\uff10\uff10\uff11", "\u0661\u0660\u0661", "\u06f3"])
def test_non_ascii_digits_are_not_integers_or_numbers(digits: str) -> None:
    found = _parse(digits, [("_limit", digits), ("ratio", digits)])
    assert {v.location for v in found.violations} == {"path.id", "query._limit", "query.ratio"}
    assert found.path_params == {} and found.query == {}


def test_ascii_digits_still_parse() -> None:
    found = _parse("3001", [("_limit", "101"), ("ratio", "0.5")])
    assert (found.violations, found.path_params, found.query) == ([], {"id": 3001}, {"_limit": 101, "ratio": 0.5})


def test_names_fold_only_when_asked() -> None:
    folded = _parse("1", [("_LIMIT", "5")], b'{"Username": "a"}', fold=True)
    assert (folded.violations, folded.query, folded.body) == ([], {"_limit": 5}, {"username": "a"})
    strict = _parse("1", [("_LIMIT", "5")], b'{"Username": "a"}')
    assert strict.query == {} and [v.location for v in strict.violations] == ["body"]
    exact_wins = _parse("1", [], b'{"USERNAME": "b", "username": "a"}', fold=True)
    assert exact_wins.body == {"username": "a"}
