"""Cloning a fixture tenant into a fresh, isolated tenant (for parallel tests on one server).

A clone is made from the tenant's fixture sections, not its current state: every id in
the sections is rewritten so the clone shares no record, key or login with anyone.
- UUID-shaped strings become new UUIDs derived from (new tenant, old id); 24-hex ObjectIds
  likewise. The same old id always maps to the same new id, so references stay intact.
- Fields a vendor names as credentials (API keys, client ids, secrets, logins) get the
  new tenant's name in place of the old one (or appended), so `msp_acme_full` becomes
  `msp_acme_2_full`.
- Integer fields a vendor names as ids are shifted by an offset that is unique per clone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.core.ids import derived_object_id, derived_uuid

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
OFFSET_STEP = 10_000_000


@dataclass(frozen=True)
class CloneRules:
    """Which fixture fields of a vendor must change for a clone to be isolated."""

    credential_fields: frozenset[str] = field(default_factory=frozenset)
    int_id_fields: frozenset[str] = field(default_factory=frozenset)


def rekey(value: Any, rules: CloneRules, src: str, dst: str, offset: int, key: str | None = None) -> Any:
    """A copy of a fixture section with ids and credentials rewritten for tenant `dst`."""
    if isinstance(value, Mapping):
        return {k: rekey(v, rules, src, dst, offset, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [rekey(v, rules, src, dst, offset, key) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and key in rules.int_id_fields:
        return value + offset
    if isinstance(value, str):
        if key in rules.credential_fields:
            return _credential(value, src, dst)
        if _UUID.match(value):
            return derived_uuid(dst, value.lower())
        if _OBJECT_ID.match(value):
            return derived_object_id(dst, value)
    return value


def _credential(value: str, src: str, dst: str) -> str:
    for old, new in ((src, dst), (src.capitalize(), dst.capitalize()), (src.upper(), dst.upper())):
        if old in value:
            return value.replace(old, new)
    return f"{value}-{dst}"
