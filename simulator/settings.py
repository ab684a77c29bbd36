"""Typed settings, filled from command-line flags and LMS_SIM_* environment variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.core.bundled import bundled_dir

DEFAULT_DB = ".var/lms-sim.db"
DEFAULT_FIXTURES = bundled_dir("fixtures") / "demo"


@dataclass
class Settings:
    db: str = DEFAULT_DB  # SQLite path or any SQLAlchemy URL
    fixtures: Path | None = DEFAULT_FIXTURES  # file or folder; None = start empty
    fresh: bool = False  # drop stored state and reload the fixtures at start
    seed: int = 0  # seeds deterministic ids (and fault probabilities)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "warning"
    admin_token: str | None = None  # when set, /_sim requires "Authorization: Bearer <token>"
    validate_responses: bool = False  # check every response against the spec; mismatches become 500s
    contract_mode: str = "strict"  # strict: reject requests that violate the spec; lax: record only
    journal_bodies: bool = True  # keep request/response bodies in the journal
    journal_body_limit: int = 65_536  # bytes of each body kept in the journal
    # Extra names the control API and dashboard answer to when served on loopback ("*": any).
    allowed_hosts: list[str] = field(default_factory=list)
    # Webhook receivers beyond loopback, as HOST or HOST:PORT ("*": any).
    webhook_allow: list[str] = field(default_factory=list)
    body_timeout_seconds: float = 30.0  # a request body that stops arriving this long gets a 408
    # Per-vendor options, e.g. {"msportal": {"rate_limit_per_minute": 600}}.
    vendor_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Vendors also served at the root path of their own port, e.g. {"absorb": 8001}.
    vendor_ports: dict[str, int] = field(default_factory=dict)

    def option(self, vendor: str, name: str, default: Any) -> Any:
        return self.vendor_options.get(vendor, {}).get(name, default)
