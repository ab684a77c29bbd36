"""Run one bundled spec with Schemathesis's own engine (the one behind `st run`) and collect a report.

The engine gives us every phase (examples, coverage, fuzzing, stateful), every check and both
generation modes; we only configure it and turn its events into a per-operation report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.config import HealthCheck
from schemathesis.engine import events, from_schema
from schemathesis.engine.recorder import ScenarioRecorder
from schemathesis.generation import GenerationMode
from schemathesis.schemas import BaseSchema

from simulator.contract import body_status
from simulator.contract.rejections import accept_declared_rejections, schema_valid_rejections
from simulator.contract.report import ContractReport, Failure
from simulator.contract.targets import Target
from simulator.core import clock
from simulator.core.spec import load_spec

ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
ALL_MODES = ("positive", "negative")


@dataclass
class ContractOptions:
    target: Target
    # Where the API lives, e.g. http://127.0.0.1:8000/msportal. Ignored when `app` is given.
    base_url: str | None = None
    # An ASGI app to call in-process (no sockets); it must serve the spec at <prefix>/openapi.json.
    app: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    basic_auth: tuple[str, str] | None = None
    max_examples: int = 20
    seed: int = 42
    phases: tuple[str, ...] = ALL_PHASES
    modes: tuple[str, ...] = ALL_MODES
    read_only: bool = False  # GET operations only: safe against a real tenant
    request_timeout: float = 30.0


# Checks that tell a rejection from an acceptance by the HTTP status alone.
STATUS_BASED_CHECKS = body_status.HTTP_STATUS_CHECKS


def blind_checks(target: Target) -> tuple[str, ...]:
    """The status-based checks that cannot judge this vendor as they are: its spec says it answers a
    bad credential with a 2xx (`x-auth-failure-status`, e.g. Skillable's HTTP 200 with an error
    status in the body). When the spec also says where that status lives (`x-status-in-body`), the
    checks still run, on the body status (body_status.py); otherwise they are off."""
    schemes = load_spec(target.spec_file).get("components", {}).get("securitySchemes", {})
    statuses = [str(s.get("x-auth-failure-status", "")) for s in schemes.values()]
    return STATUS_BASED_CHECKS if any(status.startswith("2") for status in statuses) else ()


def judged_on_body_status(target: Target) -> bool:
    return body_status.declared(load_spec(target.spec_file)) is not None


def writing_gets(target: Target) -> list[str]:
    """GET operations that change state, which the spec marks `x-writes: true` (every Skillable
    call is a GET, CreateClassEnrollment included): `--read-only` must leave them out too."""
    return [
        str(op["operationId"])
        for item in load_spec(target.spec_file).get("paths", {}).values()
        if isinstance(op := item.get("get"), dict) and op.get("x-writes") is True and "operationId" in op
    ]


def load_schema(options: ContractOptions) -> BaseSchema:
    target = options.target
    schema: BaseSchema
    if options.app is not None:
        schema = schemathesis.openapi.from_asgi(f"{target.prefix}/openapi.json", options.app)
    else:
        if not options.base_url:
            raise ValueError("a base URL or an app is required")
        schema = schemathesis.openapi.from_path(target.spec_path)
        schema.config.update(base_url=options.base_url.rstrip("/"))
    for operation_id, _reason in target.excluded:
        schema = schema.exclude(operation_id=operation_id)
    if options.read_only:
        schema = schema.include(method="GET")
        for operation_id in writing_gets(target):
            schema = schema.exclude(operation_id=operation_id)
    config = schema.config
    config.update(
        headers={**dict(target.headers), **options.headers} or None,
        basic_auth=options.basic_auth,
        request_timeout=options.request_timeout,
        # Generated data is arbitrary by design; Hypothesis's "too slow / filtered too much" are not defects.
        suppress_health_check=[HealthCheck.all],
    )
    config.seed = options.seed
    config.phases.update(phases=list(options.phases))
    config.checks.update(included_check_names=["all"], excluded_check_names=list(blind_checks(target)) or None)
    accept_declared_rejections(config, load_spec(target.spec_file))
    # Unknown query parameters are ignored by the vendors (and recorded as warnings by the
    # simulator), so generating them would only test what no contract says.
    config.generation.update(
        modes=[GenerationMode(m) for m in options.modes],
        max_examples=options.max_examples,
        allow_extra_parameters=False,
    )
    return schema


def run_contract(options: ContractOptions) -> ContractReport:
    schema = load_schema(options)
    base_url = "in-process " + options.target.prefix if options.app is not None else str(options.base_url)
    report = ContractReport(target=options.target.name, base_url=base_url)
    for operation_id, reason in options.target.excluded:
        report.excluded.append(f"{operation_id}: excluded, {reason}")
    if options.read_only:
        for operation_id in writing_gets(options.target):
            report.excluded.append(f"{operation_id}: excluded, a GET that changes state (--read-only)")
    for operation_id, declared in schema_valid_rejections(load_spec(options.target.spec_file)).items():
        for status, reason in sorted(declared.items()):
            report.excluded.append(f"{operation_id}: positive_data_acceptance also accepts {status}, {reason}")
    in_body = judged_on_body_status(options.target)
    for check in blind_checks(options.target):
        if in_body:
            report.excluded.append(f"check {check}: judged on the body status ({check}_in_body)")
        else:
            report.excluded.append(f"check {check}: off, the vendor answers bad requests with a 2xx")
    started = clock.monotonic()
    unfinished: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            unfinished.add(event.phase.name.value)
        elif isinstance(event, events.PhaseFinished):
            unfinished.discard(event.phase.name.value)
        _consume(report, event)
    # A phase whose worker thread crashed never finishes and reports nothing: never call that a pass.
    report.errors.extend(f"phase {name} did not finish" for name in sorted(unfinished))
    report.seconds = clock.monotonic() - started
    return report


def _consume(report: ContractReport, event: events.EngineEvent) -> None:
    if (
        isinstance(event, events.PhaseStarted)
        and event.phase.is_enabled
        and isinstance(event.payload, events.StatefulPhasePayload)
    ):
        report.links_total = event.payload.transitions_selected
    elif isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
        if event.label and not event.recorder.cases:
            report.operation(event.label).skipped = event.skip_reason or "no cases generated"
        _record(report, event.recorder, count_cases=not event.is_final)
    elif isinstance(event, events.FuzzScenarioFinished):
        _record(report, event.recorder, count_cases=True)
    elif isinstance(event, events.NonFatalError):
        report.errors.append(f"{event.label}: {event.info.format(base_url_is_set=True).strip()}")
    elif isinstance(event, events.FatalError):
        report.errors.append(f"fatal: {event.exception!r}")
    elif isinstance(event, events.EngineFinished):
        for failure in event.failures:
            report.operation("(after the run)").add_failure(
                Failure(check="after_run", title=failure.title, message=failure.message, reproduction="")
            )


def _record(report: ContractReport, recorder: ScenarioRecorder, *, count_cases: bool) -> None:
    labels: dict[str, str] = {}
    for case_id, node in recorder.cases.items():
        label = node.value.operation.label
        labels[case_id] = label
        if not count_cases:
            continue
        result = report.operation(label)
        result.cases += 1
        interaction = recorder.interactions.get(case_id)
        if interaction is not None and interaction.response is not None:
            result.statuses[interaction.response.status_code] += 1
        if node.transition is not None and node.is_transition_applied:
            report.links_covered.add(node.transition.id)
    for case_id, checks in recorder.checks.items():
        for check in checks:
            info = check.failure_info
            if info is None:
                continue
            steps = info.steps
            reproduction = " && ".join(step.curl for step in steps) if steps else info.code_sample
            report.operation(labels.get(case_id, recorder.label)).add_failure(
                Failure(
                    check=check.name,
                    title=info.failure.title,
                    message=info.failure.message,
                    reproduction=reproduction,
                )
            )
