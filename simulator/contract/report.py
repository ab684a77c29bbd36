"""The outcome of one contract run: per-operation results, a readable summary and JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from simulator.contract.coverage import SpecCoverage


@dataclass(frozen=True)
class Failure:
    check: str  # Schemathesis check name, e.g. "response_schema_conformance"
    title: str  # one line, e.g. "Response violates schema"
    message: str
    reproduction: str  # a curl command (or code sample) that replays the failing request


@dataclass
class OperationResult:
    label: str  # "GET /api/public/v1/training/enrollments"
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    skipped: str | None = None  # why no case ran, when none did

    def add_failure(self, failure: Failure) -> None:
        # The same defect shows up in many generated cases: report it once per check and title.
        if all((f.check, f.title) != (failure.check, failure.title) for f in self.failures):
            self.failures.append(failure)


@dataclass
class ContractReport:
    target: str
    base_url: str
    operations: dict[str, OperationResult] = field(default_factory=dict)
    # Errors not tied to a check: the server unreachable, an invalid spec, a crash in a phase.
    errors: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # operations left out on purpose, with why
    links_total: int = 0  # transitions the stateful phase could follow (declared and inferred)
    links_covered: set[str] = field(default_factory=set)  # followed, declared or inferred
    # What the spec declares (links, statuses, state transitions), to measure the run against.
    declared: SpecCoverage = field(default_factory=SpecCoverage)
    # (operation label, status) pairs the stateful phase saw: what reached the state transitions.
    stateful_statuses: set[tuple[str, int]] = field(default_factory=set)
    stateful_scenarios: int = 0  # scenarios the stateful phase ran (replays of a failure not counted)
    # Notes on the run as a whole (e.g. most answers were the server's rate limit).
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def operation(self, label: str) -> OperationResult:
        return self.operations.setdefault(label, OperationResult(label))

    @property
    def cases(self) -> int:
        return sum(op.cases for op in self.operations.values())

    @property
    def failures(self) -> int:
        return sum(len(op.failures) for op in self.operations.values())

    @property
    def operations_covered(self) -> int:
        return sum(1 for op in self.operations.values() if op.cases)

    @property
    def declared_links_followed(self) -> set[str]:
        return self.links_covered & set(self.declared.links)

    @property
    def inferred_links_followed(self) -> set[str]:
        return self.links_covered - set(self.declared.links)

    @property
    def link_coverage(self) -> float:
        """Share of the declared links followed (1.0 when the spec declares none)."""
        return len(self.declared_links_followed) / len(self.declared.links) if self.declared.links else 1.0

    def statuses_seen(self) -> tuple[int, int]:
        """(declared (operation, status) pairs seen in any phase, pairs declared)."""
        seen = sum(
            len(listed & set(self.operations[label].statuses)) if label in self.operations else 0
            for label, listed in self.declared.statuses.items()
        )
        return seen, sum(len(listed) for listed in self.declared.statuses.values())

    def transitions_reached(self) -> tuple[list[str], list[str]]:
        """(state transitions reached by the stateful phase, those not reached), each sorted once."""
        reached: set[str] = set()
        every: set[str] = set()
        for key, names in self.declared.transitions.items():
            every.update(names)
            if key in self.stateful_statuses:
                reached.update(names)
        return sorted(reached), sorted(every - reached)

    def coverage_lines(self) -> list[str]:
        """The per-vendor coverage `lms-sim contract` and `make contract` print."""
        seen, listed = self.statuses_seen()
        reached, missed = self.transitions_reached()
        lines = [
            f"coverage: {self.operations_covered}/{len(self.operations)} operations, "
            f"{len(self.declared_links_followed)}/{len(self.declared.links)} declared links followed "
            f"({self.link_coverage:.0%}; plus {len(self.inferred_links_followed)} inferred), "
            f"{seen}/{listed} declared statuses seen, "
            f"{len(reached)}/{len(reached) + len(missed)} state transitions reached",
        ]
        if reached:
            lines.append("  transitions reached: " + "; ".join(reached))
        if missed:
            lines.append("  transitions not reached: " + "; ".join(missed))
        for name in sorted(set(self.declared.links) - self.links_covered):
            lines.append(f"  link not followed: {name}")
        return lines

    @property
    def passed(self) -> bool:
        # A run that sent nothing proves nothing, so it does not pass.
        return not self.errors and not self.failures and self.cases > 0

    def summary(self) -> str:
        lines = [f"contract: {self.target} at {self.base_url}"]
        width = max((len(label) for label in self.operations), default=10)
        for label in sorted(self.operations):
            op = self.operations[label]
            mark = "FAIL" if op.failures else ("skip" if not op.cases else "ok")
            statuses = " ".join(f"{code}x{n}" for code, n in sorted(op.statuses.items()))
            note = f"  ({op.skipped})" if op.skipped and not op.cases else ""
            lines.append(f"  {mark:<4} {label:<{width}}  {op.cases:>5} cases  [{statuses}]{note}")
            for failure in op.failures:
                lines.append(f"         {failure.check}: {failure.title}")
                for text in failure.message.strip().splitlines()[:6]:
                    lines.append(f"           {text}")
                lines.append(f"           reproduce: {failure.reproduction}")
        for note in self.excluded:
            lines.append(f"  skip {note}")
        for error in self.errors:
            lines.append(f"  ERROR {error}")
        for note in self.notes:
            lines.append(f"  NOTE {note}")
        lines.extend(self.coverage_lines())
        lines.append(
            f"{self.operations_covered}/{len(self.operations)} operations covered, {self.cases} cases, "
            f"{len(self.links_covered)}/{self.links_total} links followed by the stateful phase, "
            f"{self.failures} failures, {len(self.errors)} errors, {self.seconds:.1f}s: "
            + ("PASSED" if self.passed else "FAILED")
        )
        return "\n".join(lines)


def write_junit(reports: list[ContractReport], path: Path) -> None:
    """One <testsuite> per spec, one <testcase> per operation; a failure element per failed check."""
    root = ET.Element("testsuites")
    for report in reports:
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"lms-sim contract {report.target}",
            tests=str(len(report.operations) + len(report.errors)),
            failures=str(sum(1 for op in report.operations.values() if op.failures)),
            errors=str(len(report.errors)),
            time=f"{report.seconds:.3f}",
        )
        for label in sorted(report.operations):
            op = report.operations[label]
            case = ET.SubElement(suite, "testcase", classname=report.target, name=label)
            ET.SubElement(case, "system-out").text = f"{op.cases} cases"
            if op.failures:
                text = "\n\n".join(
                    f"{f.check}: {f.title}\n{f.message}\nreproduce: {f.reproduction}" for f in op.failures
                )
                ET.SubElement(case, "failure", message="; ".join(f.check for f in op.failures)).text = text
            elif not op.cases:
                ET.SubElement(case, "skipped", message=op.skipped or "no cases generated")
        for index, error in enumerate(report.errors):
            case = ET.SubElement(suite, "testcase", classname=report.target, name=f"error {index + 1}")
            ET.SubElement(case, "error", message=error.splitlines()[0] if error else "error").text = error
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
