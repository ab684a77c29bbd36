"""How each vendor says "no": its own error envelope, so a rejection is recognisably the vendor's.

`is_vendor_rejection(vendor, response)` holds when the response is a refusal in that
vendor's wire format: a 4xx with its error body (Skillable TMS: HTTP 200 with a failing
body status, or its framework's `{"Message"}` for an unknown route or method).
"""

from __future__ import annotations

from typing import Any

import httpx


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _absorb(body: dict[str, Any], status: int) -> bool:
    return {"validations", "code", "message", "term", "_meta"} <= body.keys() and body["code"] == status


def _docebo(body: dict[str, Any], status: int) -> bool:
    api = {"message", "version", "_links"} <= body.keys()
    oauth = {"error", "error_description"} <= body.keys()  # the token endpoint speaks RFC 6749
    return api or oauth


def _learnlink(body: dict[str, Any], status: int) -> bool:
    return {"status", "error", "message"} <= body.keys() and body["status"] == status


def _msportal(body: dict[str, Any], status: int) -> bool:
    return {"error", "requestId", "details", "code"} <= body.keys()


ENVELOPES = {"absorb": _absorb, "docebo": _docebo, "learnlink": _learnlink, "msportal": _msportal}


def _skillable(response: httpx.Response) -> bool:
    body = _json(response)
    if not isinstance(body, dict):
        return False
    if response.status_code in (404, 405):
        return set(body) == {"Message"}
    if response.status_code == 413:
        return body.get("status", body.get("Status")) in (10, 20, 30)
    return response.status_code == 200 and body.get("status", body.get("Status")) in (10, 20, 30)


def is_vendor_rejection(vendor: str, response: httpx.Response) -> bool:
    """A refusal in the vendor's own format (not a success, not a 5xx, not someone else's shape)."""
    if vendor == "skillable":
        return _skillable(response)
    body = _json(response)
    return (
        400 <= response.status_code < 500 and isinstance(body, dict) and ENVELOPES[vendor](body, response.status_code)
    )


def is_rejection_of_any_shape(vendor: str, response: httpx.Response) -> bool:
    """A refusal at all (used to decide whether state must be unchanged)."""
    if vendor == "skillable":
        body = _json(response)
        status = body.get("status", body.get("Status")) if isinstance(body, dict) else None
        return response.status_code in (404, 405, 413) or status in (10, 20, 30)
    return 400 <= response.status_code < 500
