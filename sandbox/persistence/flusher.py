"""Writing the sandbox's state behind its back: mark dirty on a write, flush at most every 200 ms.

A request that may change state (anything but GET and HEAD) marks the state dirty; a background
thread takes a snapshot under the state lock at most every ``DEFAULT_FLUSH_INTERVAL`` seconds and
writes it outside the lock, so a request never waits for the disk, only (rarely) for a snapshot
copy. Records are written incrementally (only those changed since the last flush), the small
sections whole. A reset (``Sandbox.generation``) or a failed write makes the next flush rewrite
the file from scratch. ``close()`` stops the thread and writes what is left: shutdown loses
nothing; a crash loses at most the last interval.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sandbox.persistence import snapshot
from sandbox.persistence.store import StateFile, StateFileError

if TYPE_CHECKING:
    from sandbox.state import Sandbox

log = logging.getLogger("sandbox.persistence")

#: The longest a change waits in memory before it is written.
DEFAULT_FLUSH_INTERVAL = 0.2


class Persistence:
    """Keeps one sandbox and one state file in step; ``lock`` guards the sandbox's state."""

    def __init__(
        self, sandbox: Sandbox, file: StateFile, *, interval: float = DEFAULT_FLUSH_INTERVAL
    ) -> None:
        self.sandbox = sandbox
        self.file = file
        self.lock = threading.Lock()
        self.dirty = False
        self._interval = interval
        self._write_lock = threading.Lock()
        self._generation = sandbox.generation
        self._force_full = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-state", daemon=True)

    @classmethod
    def open(cls, sandbox: Sandbox, file: StateFile) -> Persistence:
        """Load ``file`` into a freshly built ``sandbox`` and start flushing to it."""
        try:
            sections, records = file.read()
            snapshot.restore(sandbox, sections, records)
        except StateFileError:
            file.close()
            raise
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            file.close()
            raise StateFileError(f"{file.path}: unreadable sandbox state ({exc})") from exc
        persistence = cls(sandbox, file)
        persistence._thread.start()
        return persistence

    def flush(self) -> None:
        """Write what changed since the last flush, if anything did."""
        with self._write_lock:
            with self.lock:
                if not self.dirty and not self._force_full:
                    return
                full = self._force_full or self.sandbox.generation != self._generation
                self._generation = self.sandbox.generation
                self.dirty = self._force_full = False
                taken = snapshot.take(self.sandbox, full=full)
            try:
                self.file.write(taken)
            except Exception:
                # The drained record ids are gone: only a full rewrite is sure to catch up.
                log.exception("sandbox state: writing %s failed; will retry", self.file.path)
                self._force_full = True

    def close(self) -> None:
        """Stop flushing, write the last changes and close the file (idempotent)."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.flush()
        self.file.close()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.flush()
