"""Child-process side of the cross-process ``get_or_create`` race (run under ``spawn``).

Each child opens its own engine (as a web or worker process would), then for each identifier
waits at a shared barrier and calls ``get_or_create`` at the same moment as its siblings. It
reports every account id it got, or the exception that a caller would have seen as a 500.
"""

from __future__ import annotations

from typing import Any

from store.accounts import AccountStore
from store.db import Database


def race(url: str, identifiers: list[str], barrier: Any, results: Any) -> None:
    db = Database(url, pool_size=2)
    store = AccountStore(db=db)
    try:
        for identifier in identifiers:
            barrier.wait(timeout=60)
            try:
                record = store.get_or_create(connection_name="hubspot", identifier=identifier)
                results.put((identifier, "ok", record.id))
            except Exception as exc:  # reported to the test, which fails on it
                results.put((identifier, "error", f"{type(exc).__name__}: {exc}"))
    finally:
        db.dispose()
