"""Contract testing as a product feature: run a bundled spec with Schemathesis against any server.

`lms-sim contract` (see command.py) and `make contract` (tests/contract) both go through
`runner.run_contract`, so users get exactly the checks we hold the simulator to.
"""

from simulator.contract.report import ContractReport, OperationResult
from simulator.contract.runner import ALL_PHASES, ContractOptions, run_contract
from simulator.contract.targets import Target, all_targets, find_target

__all__ = [
    "ALL_PHASES",
    "ContractOptions",
    "ContractReport",
    "OperationResult",
    "Target",
    "all_targets",
    "find_target",
    "run_contract",
]
