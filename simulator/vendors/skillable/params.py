"""Reading typed parameters in handlers.

In strict contract mode the spec has already rejected bad input. In lax mode the core
only records violations and drops invalid values (path parameters stay raw strings), so
handlers re-check what they rely on and answer status 10 instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Any, TypeVar

from simulator.core.errors import ApiError

Code = TypeVar("Code", bound=IntEnum)
INT32 = (-(2**31), 2**31 - 1)
UNIX_SECONDS = (0, 253_402_300_799)  # up to 9999-12-31T23:59:59Z


def _invalid(name: str, problem: str) -> ApiError:
    return ApiError(400, f"Invalid request: {name}: {problem}")


def optional_int(values: Mapping[str, Any], name: str, bounds: tuple[int, int] = INT32) -> int | None:
    value = values.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        raise _invalid(name, f"{value!r} is not a valid integer")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _invalid(name, f"{value!r} is not a valid integer") from None
    low, high = bounds
    if not low <= number <= high:
        raise _invalid(name, f"{number} is out of range ({low} to {high})")
    return number


def required_int(values: Mapping[str, Any], name: str) -> int:
    value = optional_int(values, name)
    if value is None:
        raise _invalid(name, "is required")
    return value


def required_code(values: Mapping[str, Any], name: str, enum: type[Code]) -> Code:
    value = required_int(values, name)
    try:
        return enum(value)
    except ValueError:
        raise _invalid(name, f"{value} is not one of {[int(v) for v in enum]}") from None


def optional_bool(values: Mapping[str, Any], name: str) -> bool | None:
    value = values.get(name)
    if value is None or isinstance(value, bool):
        return value
    raise _invalid(name, f"{value!r} is not a valid boolean")


def optional_str(values: Mapping[str, Any], name: str) -> str | None:
    value = values.get(name)
    return None if value is None else str(value)
