"""Judge APIs that answer every call with HTTP 200 by the status in their body.

Skillable TMS answers invalid input with HTTP 200 and body status 10, and a missing or wrong
key with HTTP 200 and body status 30. Three Schemathesis checks judge a rejection by the HTTP
status alone (`negative_data_rejection`, `missing_required_header`, `ignored_auth`), so against
such an API they would demand a 4xx the vendor never sends. A spec that declares

    x-status-in-body:
      fields: [status, Status]          # where the body status lives (first one present wins)
      as-http: {0: 200, 10: 400, 20: 404, 30: 401}

gets the same three checks run on the response as if the body status were the HTTP status
(`*_in_body` below, registered with Schemathesis); the runner turns the HTTP-status originals
off for that spec only. For every other spec the `*_in_body` checks do nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import schemathesis
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.transport import Response
from schemathesis.specs.openapi import checks as st_checks
from schemathesis.specs.openapi._auth_retry import (
    get_security_parameters,
    remove_auth,
    send_probe,
    set_auth_for_case,
)

EXTENSION = "x-status-in-body"
# The originals that the `*_in_body` checks stand in for.
HTTP_STATUS_CHECKS = ("negative_data_rejection", "missing_required_header", "ignored_auth")
AUTH_REJECTED = (401, 403)


@dataclass(frozen=True)
class BodyStatus:
    fields: tuple[str, ...]
    as_http: Mapping[int, int]

    def read(self, response: Response) -> int | None:
        """The body status of a JSON object answer, or None (not JSON, not an object, no status)."""
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(body, dict):
            return None
        for name in self.fields:
            value = body.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return None

    def view(self, response: Response) -> Response:
        """The response with the body status's HTTP equivalent in place of an HTTP 200.

        Other HTTP statuses (a framework 404, an injected 5xx) are kept: they are real HTTP answers.
        """
        status = self.read(response)
        if response.status_code != 200 or status is None or status not in self.as_http:
            return response
        seen = copy.copy(response)
        seen.status_code = self.as_http[status]
        return seen


def declared(doc: Mapping[str, Any]) -> BodyStatus | None:
    """The spec's `x-status-in-body`, or None. Keys may be strings once the spec went through JSON."""
    raw = doc.get(EXTENSION)
    if not isinstance(raw, Mapping):
        return None
    fields = tuple(str(name) for name in raw.get("fields", ()))
    mapping = {int(body): int(http) for body, http in dict(raw.get("as-http", {})).items()}
    if not fields or not mapping:
        raise ValueError(f"{EXTENSION} needs non-empty 'fields' and 'as-http'")
    return BodyStatus(fields, mapping)


def _for(case: schemathesis.Case[Any]) -> BodyStatus | None:
    raw = getattr(case.operation.schema, "raw_schema", None)
    return declared(raw) if isinstance(raw, Mapping) else None


@schemathesis.check
def negative_data_rejection_in_body(ctx: Any, response: Response, case: schemathesis.Case[Any]) -> bool | None:
    """`negative_data_rejection` (with all its heuristics) on the body status."""
    body_status = _for(case)
    if body_status is None:
        return None
    return st_checks.negative_data_rejection(ctx, body_status.view(response), case)


@schemathesis.check
def missing_required_header_in_body(ctx: Any, response: Response, case: schemathesis.Case[Any]) -> bool | None:
    """`missing_required_header` on the body status (a missing `api_key` must answer 30)."""
    body_status = _for(case)
    if body_status is None:
        return None
    return st_checks.missing_required_header(ctx, body_status.view(response), case)


@schemathesis.check
def ignored_auth_in_body(ctx: Any, response: Response, case: schemathesis.Case[Any]) -> bool | None:
    """`ignored_auth` on the body status: a call that succeeded with credentials is repeated
    without them and with a wrong value, once per operation, and both must be refused."""
    body_status = _for(case)
    if body_status is None:
        return None
    parameters = get_security_parameters(case.operation)
    if not parameters or not 200 <= body_status.view(response).status_code < 300:
        return None
    # A path parameter that misses the route says nothing about the operation's auth.
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
        return None
    enforced = getattr(ctx, "auth_enforced_operations", None)
    if enforced is not None and case.operation.label in enforced:
        return None
    sent = {name.lower() for name in response.request.headers}
    header_names = [p.name for p in parameters if p.location == ParameterLocation.HEADER]
    assert any(name.lower() in sent for name in header_names) or not header_names, (
        f"{case.operation.label} accepted a request without {' or '.join(header_names)}: "
        f"body status {body_status.read(response)}"
    )
    probes = [("without credentials", remove_auth(case, parameters))]
    for parameter in parameters:
        wrong = remove_auth(case, parameters)
        set_auth_for_case(wrong, parameter)
        probes.append((f"with an invalid {parameter.name}", wrong))
    for what, probe in probes:
        answer = send_probe(ctx, case, probe)
        seen = body_status.view(answer)
        assert seen.status_code in AUTH_REJECTED, (
            f"{case.operation.label} {what}: expected a body status meaning 401 or 403, "
            f"got HTTP {answer.status_code} with body status {body_status.read(answer)}"
        )
    if enforced is not None:
        enforced.add(case.operation.label)
    return None
