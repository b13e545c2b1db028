"""Injected faults (``POST /_sandbox/faults``): latency, error statuses and dropped connections.

A fault matches requests by path prefix and optional method. Without ``count`` it lasts until
``DELETE /_sandbox/faults``; with ``probability`` it fires on that share of matching requests, and
only a fired fault uses up its count. The first registered fault that fires wins.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Literal

from sandbox.errors import (
    ApiError,
    ControlError,
    RateLimited,
    SandboxError,
    invalid_authentication,
    resource_not_found,
)

Drop = Literal["before", "after"]

#: Category and message of the body an injected status answers with (UNCONFIRMED wording).
_BODIES: dict[int, tuple[str, str]] = {
    400: ("VALIDATION_ERROR", "Invalid input (injected by the sandbox)."),
    403: ("MISSING_SCOPES", "This app hasn't been granted all required scopes to make this call."),
    409: ("CONFLICT", "Conflict (injected by the sandbox)."),
    423: ("LOCKED", "Resource is locked. Wait at least 2 seconds and retry."),
    477: ("MIGRATION_IN_PROGRESS", "Migration in progress. Retry after the Retry-After delay."),
}


@dataclass(slots=True)
class Fault:
    """One registered fault; ``remaining`` is None when it has no count."""

    id: str
    path_prefix: str
    method: str | None
    status: int | None
    latency_ms: int
    retry_after: int | None
    drop: Drop | None
    remaining: int | None
    probability: float

    def matches(self, method: str, path: str) -> bool:
        """Whether a request is in this fault's reach (before the probability roll)."""
        return path.startswith(self.path_prefix) and self.method in (None, method)

    def error(self) -> SandboxError:
        """The HubSpot-shaped error an injected ``status`` answers with."""
        assert self.status is not None
        headers = [] if self.retry_after is None else [("retry-after", str(self.retry_after))]
        if self.status == 429:
            return RateLimited("TEN_SECONDLY_ROLLING", headers)
        if self.status == 401:
            error = invalid_authentication()
        elif self.status == 404:
            error = resource_not_found()
        else:
            default = "INTERNAL_ERROR" if self.status >= 500 else "VALIDATION_ERROR"
            category, message = _BODIES.get(self.status, (default, "internal error"))
            error = ApiError(self.status, message, category)
        error.headers.extend(headers)
        return error


class Faults:
    """The registry of active faults."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._faults: list[Fault] = []
        self._next_id = 1

    @property
    def active(self) -> bool:
        """Cheap check for the hot path: are there any faults at all?"""
        return bool(self._faults)

    def add(self, spec: dict[str, Any]) -> Fault:
        """Register a fault from its control-API JSON; refuses nonsense with 422."""
        fault = _parse(spec, f"fault-{self._next_id}")
        self._next_id += 1
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault."""
        self._faults.clear()

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault that fires for this request, if any, using up one of its count."""
        for fault in self._faults:
            if not fault.matches(method, path):
                continue
            if fault.probability < 1.0 and self._rng.random() >= fault.probability:
                continue
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
            return fault
        return None


def _parse(spec: dict[str, Any], fault_id: str) -> Fault:
    try:
        prefix = spec["path_prefix"]
        method = spec.get("method")
        status = _optional_int(spec.get("status"))
        count = _optional_int(spec.get("count"))
        retry_after = _optional_int(spec.get("retry_after"))
        latency = int(spec.get("latency_ms") or 0)
        probability = float(spec.get("probability", 1.0))
    except (KeyError, TypeError, ValueError) as exc:
        raise ControlError(422, f"invalid fault: {exc}", "invalid_fault") from exc
    drop = spec.get("drop")
    problems = [
        "path_prefix must start with /" if not isinstance(prefix, str) or prefix[:1] != "/" else "",
        "drop must be 'before' or 'after'" if drop not in (None, "before", "after") else "",
        "probability must be within 0..1" if not 0.0 <= probability <= 1.0 else "",
        "count must be positive" if count is not None and count <= 0 else "",
        "status must be 400..599" if status is not None and not 400 <= status <= 599 else "",
        "latency_ms must not be negative" if latency < 0 else "",
    ]
    problem = next((p for p in problems if p), "")
    if problem:
        raise ControlError(422, f"invalid fault: {problem}", "invalid_fault")
    return Fault(
        id=fault_id,
        path_prefix=prefix,
        method=method.upper() if isinstance(method, str) else None,
        status=status,
        latency_ms=latency,
        retry_after=retry_after,
        drop=drop,
        remaining=count,
        probability=probability,
    )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)
