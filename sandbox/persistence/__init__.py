"""The sandbox's state on disk (``SANDBOX_STATE``), so a restart keeps apps, portals, tokens
and records.

    codec      to_plain / from_plain: dataclasses to JSON-able data and back, by annotations
    snapshot   the persisted sections (registry, tokens, counters) and records; take / restore
    store      StateFile: the validated SQLite file, one transaction per flush
    flusher    Persistence: dirty flag, background flush every ~200 ms, flush on close
"""

from sandbox.persistence.flusher import Persistence
from sandbox.persistence.store import StateFile, StateFileError, remove_state_file

__all__ = ["Persistence", "StateFile", "StateFileError", "remove_state_file"]
