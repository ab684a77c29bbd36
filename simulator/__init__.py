"""lms-simulator: an offline, stateful simulator of learning-management enrollment APIs."""

from __future__ import annotations

__version__ = "0.1.0"
