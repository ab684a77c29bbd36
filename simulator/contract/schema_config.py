"""Configuration every contract run shares, `lms-sim contract` and the vendors' pytest modules alike."""

from __future__ import annotations

from typing import Any

from schemathesis.config._operations import OperationConfig, OperationsConfig
from schemathesis.config._phases import InferenceAlgorithm, InferenceConfig

from simulator.contract.rejections import schema_valid_rejections


def accept_declared_rejections(config: Any, doc: dict[str, Any]) -> None:
    """positive_data_acceptance also accepts, per operation, the statuses the spec declares in
    `x-schema-valid-rejections` (see rejections.py); every other check and operation is unchanged."""
    accepted = list(config.checks.positive_data_acceptance.expected_statuses)
    extra = [
        OperationConfig.from_dict(
            {
                "include-operation-id": operation_id,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*accepted, *sorted(declared)]}},
            }
        )
        for operation_id, declared in schema_valid_rejections(doc).items()
    ]
    if extra:
        config.operations = OperationsConfig(operations=[*config.operations.operations, *extra])


def follow_declared_links(config: Any) -> None:
    """The stateful phase follows the links the spec declares (and Location headers).

    Schemathesis's dependency analysis would add hundreds of guessed links (about 700 for
    Absorb), among which the declared ones, the vendor's real workflows, are rarely drawn.
    """
    config.phases.stateful.inference = InferenceConfig(algorithms=[InferenceAlgorithm.LOCATION_HEADERS.value])
