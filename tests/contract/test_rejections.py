"""`x-schema-valid-rejections`: what a spec declares is what the contract run accepts, per operation only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.contract import runner
from simulator.contract.rejections import rejection_problems, schema_valid_rejections
from simulator.contract.targets import find_target
from simulator.core.spec import SPEC_DIR, load_spec


def _doc() -> dict[str, Any]:
    ok = {"description": "ok"}
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "components": {
            "parameters": {
                "Filter": {
                    "name": "_filter",
                    "in": "query",
                    "schema": {"type": "string"},
                    "x-schema-valid-rejections": {"422": "a grammar"},
                }
            }
        },
        "paths": {
            "/things": {
                "get": {
                    "operationId": "listThings",
                    "parameters": [{"$ref": "#/components/parameters/Filter"}],
                    "responses": {"200": ok, "422": ok},
                },
                "post": {
                    "operationId": "createThing",
                    "x-schema-valid-rejections": {"409": "state"},
                    "responses": {"201": ok},
                },
            },
            "/things/{id}": {"get": {"operationId": "getThing", "responses": {"200": ok}}},
        },
    }


def test_declarations_are_collected_from_parameters_and_operations() -> None:
    doc = _doc()
    doc["paths"]["/things"]["get"]["x-schema-valid-rejections"] = {"422": "a rule"}
    assert schema_valid_rejections(doc) == {"listThings": {"422": "a rule; a grammar"}, "createThing": {"409": "state"}}


def test_a_declared_status_must_be_a_listed_response() -> None:
    problem = "createThing: x-schema-valid-rejections names 409, which is not a listed response"
    assert rejection_problems(_doc()) == [problem]


@pytest.mark.parametrize("spec", sorted(SPEC_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_specs_declare_only_listed_statuses(spec: Path) -> None:
    assert rejection_problems(load_spec(spec.name)) == []


def test_the_run_accepts_a_declared_status_only_where_declared() -> None:
    target = find_target("absorb")
    schema = runner.load_schema(runner.ContractOptions(target=target, base_url="http://127.0.0.1:9/absorb"))
    by_id = {op.ok().definition.raw["operationId"]: op.ok() for op in schema.get_all_operations()}
    filtered = schema.config.checks_config_for(operation=by_id["listUsers"])
    plain = schema.config.checks_config_for(operation=by_id["getUser"])
    assert "422" in filtered.positive_data_acceptance.expected_statuses
    assert "422" not in plain.positive_data_acceptance.expected_statuses
    accepted = set(filtered.positive_data_acceptance.expected_statuses)
    assert set(plain.positive_data_acceptance.expected_statuses) == accepted - {"422"}
