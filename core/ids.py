"""Identifiers: time-ordered, URL-safe, prefixed by kind (``job_...``, ``acc_...``).

Time ordering makes ids usable as pagination cursors and keeps B-tree inserts at the right edge;
the prefix tells an operator what an id is when it shows up in a log or a support ticket. Within
one process ids are strictly increasing (monotonic ULIDs: same millisecond, random part + 1).
"""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lowercase
_RANDOM_BITS = 80


class _Monotonic:
    """The last (millisecond, random) pair handed out, behind a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last = (0, 0)

    def next(self) -> tuple[int, int]:
        millis = time.time_ns() // 1_000_000
        with self.lock:
            last_ms, last_rand = self.last
            if millis <= last_ms:
                millis, rand = last_ms, (last_rand + 1) % (1 << _RANDOM_BITS)
            else:
                rand = int.from_bytes(os.urandom(10), "big") >> 1  # headroom for increments
            self.last = (millis, rand)
        return millis, rand


_state = _Monotonic()


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A ULID-shaped id: 48 bits of milliseconds then 80 random bits, 26 characters."""
    millis, rand = _state.next()
    return f"{prefix}_{_encode(millis, 10)}{_encode(rand, 16)}"
