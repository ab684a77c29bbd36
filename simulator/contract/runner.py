"""Run one bundled spec with Schemathesis's own engine (the one behind `st run`) and collect a report.

The engine gives us every phase (examples, coverage, fuzzing, stateful), every check and both
generation modes; we only configure it and turn its events into a per-operation report.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import schemathesis
from schemathesis.config import HealthCheck
from schemathesis.engine import events, from_schema
from schemathesis.engine.recorder import ScenarioRecorder
from schemathesis.generation import GenerationMode
from schemathesis.schemas import BaseSchema

from simulator.contract import body_status, coverage, reproduce
from simulator.contract.aim import aim_stateful_calls
from simulator.contract.rejections import schema_valid_rejections
from simulator.contract.report import ContractReport, Failure
from simulator.contract.restore import ControlState
from simulator.contract.schema_config import accept_declared_rejections, follow_declared_links
from simulator.contract.targets import ADMIN, ALL_MODES, ALL_PHASES, Target
from simulator.core import clock
from simulator.core.spec import load_spec, operations


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
    stateful_steps: int = 14  # most calls in one stateful scenario


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


def stateful_budget(options: ContractOptions) -> int:
    """Scenarios the stateful phase runs: STATEFUL_SCENARIOS per --max-examples, the control API's one."""
    return options.max_examples * (STATEFUL_SCENARIOS if options.target.name != ADMIN else 1)


def load_schema(options: ContractOptions, *, stateful_scenarios: int | None = None) -> BaseSchema:
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
    follow_declared_links(config)
    aim_stateful_calls(schema)
    if target.name != ADMIN:
        # Enrol -> read -> start -> finish -> unenroll is five steps after the call that found
        # the ids: Schemathesis's default of 6 steps a scenario rarely gets there. A scenario is
        # a whole workflow, not one case, so the phase runs STATEFUL_SCENARIOS per --max-examples.
        # The control API keeps the defaults: its reset, restore and fixture loads remove every
        # record at once, which ensure_resource_availability (it only knows DELETE) would read
        # as "created, then gone" in long scenarios; it has no status machine to walk either.
        config.phases.stateful.max_steps = options.stateful_steps
    if stateful_scenarios is not None or options.target.name != ADMIN:
        scenarios = stateful_scenarios if stateful_scenarios is not None else stateful_budget(options)
        config.phases.stateful.generation.update(max_examples=scenarios)
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


def left_out(options: ContractOptions) -> set[str]:
    """operationIds this run does not call."""
    doc = load_spec(options.target.spec_file)
    out = {operation_id for operation_id, _reason in options.target.excluded}
    if options.read_only:
        out |= {op.operation_id for op in operations(doc) if op.method != "GET"}
        out |= set(writing_gets(options.target))
    return out


def secret_headers(target: Target) -> set[str]:
    """Header names the spec's security schemes carry credentials in (never printed)."""
    schemes = load_spec(target.spec_file).get("components", {}).get("securitySchemes", {})
    return {str(s["name"]) for s in schemes.values() if s.get("type") == "apiKey" and s.get("in") == "header"}


STATEFUL_SCENARIOS = 3
# Hypothesis ends a stateful run when a replayed choice sequence draws differently, which a
# server whose state moved on since (an enrollment made, a seat taken) makes common: the phase
# then stops after a fraction of its scenarios. The runner resumes it with the next seeds, at most
# this many times, until the scenario budget is spent.
STATEFUL_RESUMES = 8
# A run where more than this share of answers were 429 mostly measured the rate limit.
RATE_LIMITED_SHARE = 0.1


def run_contract(options: ContractOptions) -> ContractReport:
    """Run the contract; a run of the control API puts the server back as it found it (restore.py)."""
    if options.target.name != ADMIN or options.read_only:
        return _run(options)
    control = _control_state(options)
    try:
        control.take()
        try:
            report = _run(options)
        finally:
            done = control.restore()
    finally:
        control.client.close()
    report.notes.append("server restored after the run: " + "; ".join(done))
    return report


def _control_state(options: ContractOptions) -> ControlState:
    headers = dict(options.headers)
    import httpx

    if options.app is not None:
        from simulator.testing.asgi_client import AsgiTransport

        client = httpx.Client(transport=AsgiTransport(options.app))
        return ControlState(client, f"http://testserver{options.target.prefix}", headers)
    return ControlState(httpx.Client(auth=options.basic_auth, timeout=30), str(options.base_url).rstrip("/"), headers)


def _run(options: ContractOptions) -> ContractReport:
    schema = load_schema(options)
    base_url = "in-process " + options.target.prefix if options.app is not None else str(options.base_url)
    report = ContractReport(target=options.target.name, base_url=base_url)
    report.declared = coverage.declared(load_spec(options.target.spec_file), excluded=left_out(options))
    secrets = secret_headers(options.target)
    body = body_status.declared(load_spec(options.target.spec_file))
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
    _execute(schema, report, unfinished, secrets, body)
    if "stateful" in options.phases:
        _resume_stateful(options, report, unfinished, secrets, body)
    # A phase whose worker thread crashed never finishes and reports nothing: never call that a pass.
    report.errors.extend(f"phase {name} did not finish" for name in sorted(unfinished))
    report.seconds = clock.monotonic() - started
    limited = sum(op.statuses[429] for op in report.operations.values())
    if report.cases and limited / report.cases > RATE_LIMITED_SHARE:
        report.notes.append(
            f"{limited} of {report.cases} cases were answered 429 (the server's rate limit): most of this run "
            "measured the limit, not the API; lower --max-examples, or start the simulator with the vendor's "
            "rate limit off (e.g. `lms-sim serve --option msportal.rate_limit_per_minute=0`)"
        )
    return report


def _execute(
    schema: BaseSchema,
    report: ContractReport,
    unfinished: set[str],
    secrets: set[str],
    body: body_status.BodyStatus | None,
) -> None:
    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            unfinished.add(event.phase.name.value)
        elif isinstance(event, events.PhaseFinished):
            unfinished.discard(event.phase.name.value)
        _consume(report, event, secrets, body)


def _resume_stateful(
    options: ContractOptions,
    report: ContractReport,
    unfinished: set[str],
    secrets: set[str],
    body: body_status.BodyStatus | None,
) -> None:
    """Run the rest of the stateful budget when Hypothesis ended the phase early (STATEFUL_RESUMES)."""
    budget = stateful_budget(options)
    resumes = 0
    while report.stateful_scenarios < budget and resumes < STATEFUL_RESUMES and not report.failures:
        resumes += 1
        ran = report.stateful_scenarios
        remaining = replace(options, phases=("stateful",), seed=options.seed + resumes)
        _execute(load_schema(remaining, stateful_scenarios=budget - ran), report, unfinished, secrets, body)
        if report.stateful_scenarios == ran:
            break  # nothing left that the phase can run
    if resumes:
        report.notes.append(
            f"the stateful phase ran {report.stateful_scenarios} scenarios (budget {budget}) in {resumes + 1} runs "
            "(Hypothesis ends a run when a replay draws differently on a server whose state moved on)"
        )


def _consume(
    report: ContractReport, event: events.EngineEvent, secrets: set[str], body: body_status.BodyStatus | None
) -> None:
    if (
        isinstance(event, events.PhaseStarted)
        and event.phase.is_enabled
        and isinstance(event.payload, events.StatefulPhasePayload)
    ):
        report.links_total = event.payload.transitions_selected
    elif isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
        if event.label and not event.recorder.cases:
            report.operation(event.label).skipped = event.skip_reason or "no cases generated"
        stateful = event.phase.value == "stateful"
        if stateful and not event.is_final:
            report.stateful_scenarios += 1
        _record(report, event.recorder, count_cases=not event.is_final, stateful=stateful, secrets=secrets, body=body)
    elif isinstance(event, events.FuzzScenarioFinished):
        _record(report, event.recorder, count_cases=True, stateful=False, secrets=secrets)
    elif isinstance(event, events.NonFatalError):
        report.errors.append(f"{event.label}: {event.info.format(base_url_is_set=True).strip()}")
    elif isinstance(event, events.FatalError):
        report.errors.append(f"fatal: {event.exception!r}")
    elif isinstance(event, events.EngineFinished):
        for failure in event.failures:
            report.operation("(after the run)").add_failure(
                Failure(check="after_run", title=failure.title, message=failure.message, reproduction="")
            )


def _record(
    report: ContractReport,
    recorder: ScenarioRecorder,
    *,
    count_cases: bool,
    stateful: bool,
    secrets: set[str],
    body: body_status.BodyStatus | None = None,
) -> None:
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
            if stateful:
                # Where the vendor reports the outcome in the body (Skillable), a 200 may be a refusal.
                seen = body.view(interaction.response) if body is not None else interaction.response
                report.stateful_statuses.add((label, seen.status_code))
        if node.transition is not None and node.is_transition_applied:
            report.links_covered.add(node.transition.id)
    for case_id, checks in recorder.checks.items():
        for check in checks:
            info = check.failure_info
            if info is None:
                continue
            steps = info.steps
            reproduction = (
                " && ".join(_curl(recorder, step.case_id, secrets) or step.curl for step in steps)
                if steps
                else info.code_sample
            )
            report.operation(labels.get(case_id, recorder.label)).add_failure(
                Failure(
                    check=check.name,
                    title=info.failure.title,
                    message=info.failure.message,
                    reproduction=reproduction,
                )
            )


def _curl(recorder: ScenarioRecorder, case_id: str, secrets: set[str]) -> str | None:
    """The request as really sent (body included, credentials as shell variables), if recorded."""
    interaction = recorder.interactions.get(case_id)
    if interaction is None:
        return None
    request = interaction.request
    return reproduce.curl(request.method, request.uri, request.headers, request.body, secret_headers=secrets)
