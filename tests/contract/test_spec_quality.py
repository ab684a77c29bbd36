"""Every bundled spec keeps the promises `make contract` and the docs rely on (fast; default suite).

A vendor spec that lands without examples, links or a 401 fails here with a list naming each
operation and what it lacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from simulator.contract.quality import spec_problems
from simulator.contract.targets import all_targets
from simulator.core.spec import SPEC_DIR, load_spec

SPECS = sorted(SPEC_DIR.glob("*.yaml"))


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_spec_is_valid_openapi_3_0(spec: Path) -> None:
    doc = load_spec(spec.name)
    assert str(doc.get("openapi", "")).startswith("3.0."), f"{spec.name} declares openapi {doc.get('openapi')!r}"
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in OpenAPIV30SpecValidator(doc).iter_errors()]
    assert errors == [], "\n".join(errors)


# Specs that do not keep every promise yet: strict, so the mark must go as soon as one does.
INCOMPLETE: dict[str, str] = {}


def _quality_case(spec: Path) -> Any:
    reason = INCOMPLETE.get(spec.name)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(spec, marks=marks, id=spec.name)


@pytest.mark.parametrize("spec", [_quality_case(s) for s in SPECS])
def test_spec_has_examples_links_and_401s(spec: Path) -> None:
    problems = spec_problems(load_spec(spec.name))
    assert problems == [], f"{spec.name}:\n  " + "\n  ".join(problems)


def test_every_spec_is_a_contract_target() -> None:
    # `lms-sim contract --vendor X` must reach every spec we ship (and nothing else).
    assert sorted(t.spec_file for t in all_targets()) == sorted(p.name for p in SPECS)


def _flawed_spec() -> dict[str, Any]:
    bare = {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "security": [{"key": []}],
        "paths": {
            "/things": {
                "post": {
                    "operationId": "createThing",
                    "parameters": [{"name": "dryRun", "in": "query", "schema": {"type": "boolean"}}],
                    "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                    "responses": {"201": bare},
                }
            },
            "/things/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {"operationId": "getThing", "security": [], "responses": {"200": bare}},
            },
        },
    }


def test_quality_check_names_each_operation_and_what_it_lacks() -> None:
    assert spec_problems(_flawed_spec()) == [
        "createThing (POST /things): query parameter 'dryRun' has no example",
        "createThing (POST /things): request body application/json has no example",
        "createThing (POST /things): response 201 application/json has no example",
        "createThing (POST /things): authenticated but does not list a 401 response",
        "createThing (POST /things): creates (201) but declares no OpenAPI links to a get/update/delete operation",
        "getThing (GET /things/{id}): path parameter 'id' has no example",
        "getThing (GET /things/{id}): response 200 application/json has no example",
    ]


def test_quality_check_accepts_links_to_a_get_and_rejects_unknown_targets() -> None:
    doc = _flawed_spec()
    created = doc["paths"]["/things"]["post"]["responses"]["201"]
    created["links"] = {"GetThing": {"operationId": "getThing", "parameters": {"id": "$response.body#/id"}}}
    assert not any("links" in p or "link " in p for p in spec_problems(doc))
    created["links"] = {"Nowhere": {"operationId": "deleteThing"}}
    assert "createThing (POST /things): link 'Nowhere' names an unknown operationId 'deleteThing'" in spec_problems(doc)


def test_a_scheme_may_declare_how_auth_failures_are_answered() -> None:
    # Some vendors answer a bad key with another status; the scheme says so and that status must be listed.
    doc = _flawed_spec()
    doc["components"] = {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "k"}}}
    doc["components"]["securitySchemes"]["key"]["x-auth-failure-status"] = 200
    problems = spec_problems(doc)
    assert "createThing (POST /things): authenticated but does not list a 200 response" in problems
    doc["paths"]["/things"]["post"]["responses"]["200"] = {"description": "auth failure, the vendor's way"}
    assert not any("authenticated" in p for p in spec_problems(doc))


def test_status_based_checks_are_replaced_only_for_2xx_auth_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.contract import runner

    target = all_targets()[0]
    for status, expected in ((200, runner.STATUS_BASED_CHECKS), (401, ()), (None, ())):
        scheme: dict[str, Any] = {"type": "apiKey", "in": "header", "name": "api_key"}
        if status is not None:
            scheme["x-auth-failure-status"] = status
        doc = {"components": {"securitySchemes": {"key": scheme}}}
        monkeypatch.setattr(runner, "load_spec", lambda _name, doc=doc: doc)
        assert runner.blind_checks(target) == expected
        assert not runner.judged_on_body_status(target)


def test_skillable_declares_its_200_auth_failures_and_where_the_body_status_lives() -> None:
    from simulator.contract import runner
    from simulator.contract.targets import find_target

    skillable = find_target("skillable")
    assert runner.blind_checks(skillable) == runner.STATUS_BASED_CHECKS
    assert runner.judged_on_body_status(skillable)
    assert not runner.judged_on_body_status(find_target("msportal"))
