"""The simulator's control plane at `/_sim` (described by specs/simulator.yaml)."""
