"""Contract testing as a product feature: run a bundled spec with Schemathesis against any server.

`lms-sim contract` (see command.py) and `make contract` (tests/contract) both go through
`runner.run_contract`, so users get exactly the checks we hold the simulator to.

This package imports nothing on purpose: `lms-sim --help` builds the `contract` subcommand from
command.py without Schemathesis installed; import what you need from the modules themselves
(runner, report, targets, ...).
"""
