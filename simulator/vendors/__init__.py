"""The simulated vendors: one line each. Each module exposes `VENDOR: VendorPlugin`."""

from __future__ import annotations

import importlib

from simulator.core.db import register_models
from simulator.core.vendor import VendorPlugin

VENDOR_MODULES: tuple[str, ...] = (
    "simulator.vendors.msportal",
    "simulator.vendors.docebo",
    "simulator.vendors.skillable",
    "simulator.vendors.learnlink",
    "simulator.vendors.absorb",
)


def all_vendors() -> list[VendorPlugin]:
    return [importlib.import_module(name).VENDOR for name in VENDOR_MODULES]


def load_vendor_models() -> None:
    """Import every vendor so its tables are registered on the shared metadata."""
    all_vendors()


register_models(load_vendor_models)  # `Database.create_schema` creates the vendors' tables too
