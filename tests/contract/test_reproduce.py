"""The `reproduce:` commands replay the request: body included, credentials as shell variables."""

from __future__ import annotations

import shlex

from simulator.contract.reproduce import curl


def test_body_is_included_and_secrets_are_fillable_placeholders() -> None:
    command = curl(
        "post",
        "http://127.0.0.1:8000/absorb/users/u1/enrollments",
        {
            "Authorization": ["Bearer eyJ.secret.token"],
            "x-api-key": ["acme-private-key"],
            "x-api-version": ["2"],
            "User-Agent": ["schemathesis/4"],
            "X-Schemathesis-TestCaseId": ["ZSHf61"],
            "Content-Type": ["application/json"],
        },
        b'{"courseId": "c1", "note": "it\'s"}',
    )
    assert "eyJ.secret.token" not in command and "acme-private-key" not in command
    assert "[Filtered]" not in command
    words = shlex.split(command)  # the shell keeps "$LMS_SIM_TOKEN" for the user to fill
    assert words[:4] == ["curl", "-X", "POST", "http://127.0.0.1:8000/absorb/users/u1/enrollments"]
    assert "Authorization: Bearer $LMS_SIM_TOKEN" in words and "x-api-key: $LMS_SIM_X_API_KEY" in words
    assert "x-api-version: 2" in words and not any(w.startswith(("User-Agent", "X-Schemathesis")) for w in words)
    assert words[-2:] == ["--data-binary", '{"courseId": "c1", "note": "it\'s"}']


def test_spec_declared_key_headers_are_secret_too() -> None:
    command = curl("GET", "http://h/skillable/GetClass/1", {"api_key": "k"}, None, secret_headers={"api_key"})
    assert shlex.split(command)[-1] == "api_key: $LMS_SIM_API_KEY"
    assert "--data-binary" not in command
