"""Looking for secrets where they must never be: logs, Redis, SQL rows and files, error text.

A leak test collects the literal secret values (tokens as the sandbox issued them, the client
secret, the API key) and every place a secret could end up, then asks ``leaks`` which secret
shows up where. Redis is read twice over: a ``MONITOR`` recording of every command sent to the
test database while the test ran (so messages that were consumed and deleted are seen too), and a
final read of every key by type, plus its ``DUMP``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import redis


class RedisMonitor(threading.Thread):
    """Records every command sent to one Redis database until ``stop()``."""

    def __init__(self, url: str) -> None:
        super().__init__(name="redis-monitor", daemon=True)
        self.client = redis.Redis.from_url(url)
        self.db = int(self.client.connection_pool.connection_kwargs.get("db", 0))
        self.commands: list[str] = []
        self._stopping = threading.Event()
        self._ready = threading.Event()

    def start(self) -> None:
        super().start()
        self._ready.wait(10)

    def run(self) -> None:
        with self.client.monitor() as monitor:  # type: ignore[no-untyped-call]
            self._ready.set()
            for entry in monitor.listen():
                if self._stopping.is_set():
                    return
                if entry.get("db") == self.db:
                    self.commands.append(str(entry.get("command", "")))

    def stop(self) -> str:
        """Stop recording; everything recorded, one command a line."""
        self._stopping.set()
        self.client.ping()  # wakes the listener so it sees the flag
        self.join(10)
        self.client.close()
        return "\n".join(self.commands)


def redis_contents(client: redis.Redis) -> dict[str, bytes]:
    """Every key's value read by type (strings, hashes, lists, sets, sorted sets, streams)
    and its ``DUMP``, keyed by ``redis:<key>``."""
    out: dict[str, bytes] = {}
    for raw_key in client.scan_iter(count=500):
        parts = [raw_key, *_values(client, raw_key)]
        dumped = client.dump(raw_key)
        if dumped is not None:
            parts.append(dumped)
        key = raw_key.decode(errors="replace") if isinstance(raw_key, bytes) else str(raw_key)
        out[f"redis:{key}"] = b"\n".join(_bytes(p) for p in parts if p is not None)
    return out


def _values(client: redis.Redis, key: Any) -> list[Any]:
    kind = _bytes(client.type(key)).decode()
    if kind == "string":
        return [client.get(key)]
    if kind == "hash":
        return [x for kv in client.hgetall(key).items() for x in kv]
    if kind == "list":
        return list(client.lrange(key, 0, -1))
    if kind == "set":
        return list(client.smembers(key))
    if kind == "zset":
        scored: Any = client.zrange(key, 0, -1, withscores=True)
        return [member for member, _ in scored]
    if kind == "stream":
        entries: Any = client.xrange(key)
        return [x for _, fields in entries for kv in fields.items() for x in kv]
    return []


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def files_under(directory: Path, pattern: str = "*") -> dict[str, bytes]:
    """The bytes of every file matching ``pattern`` in ``directory``."""
    paths = sorted(p for p in directory.glob(pattern) if p.is_file())
    return {f"file:{p.name}": p.read_bytes() for p in paths}


def leaks(secrets: Mapping[str, str], places: Mapping[str, bytes | str]) -> list[str]:
    """``"<secret name> in <place>"`` for every secret found verbatim in a place."""
    found = []
    for place, content in places.items():
        data = content.encode(errors="replace") if isinstance(content, str) else content
        for name, value in secrets.items():
            if value and value.encode() in data:
                found.append(f"{name} in {place}")
    return found


def named(prefix: str, values: Iterable[str]) -> dict[str, str]:
    """``{"<prefix> #n": value}``, so a leak report says which secret without showing it."""
    return {f"{prefix} #{n}": v for n, v in enumerate(values, 1)}
