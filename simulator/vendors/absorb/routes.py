"""Absorb operations: one handler per operationId of specs/absorb.yaml, in two modules."""

from __future__ import annotations

from simulator.vendors.absorb import routes_activities, routes_enrollments
from simulator.vendors.absorb.api import operations

__all__ = ["operations", "routes_activities", "routes_enrollments"]
