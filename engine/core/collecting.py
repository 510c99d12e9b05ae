"""Python's cycle collector held off while an analysis builds many objects that stay alive.

The check of a table of thousands of rules keeps hundreds of thousands of containers alive
(per atom, per rule, per box) and makes few cycles (a few hundred, measured); every automatic
full collection walks all of them again, about a seventh of the check of 10,000 rules
(issue 25). Held off while any check runs (nested and threaded checks count), collection
resumes as it was afterwards, and the few cycles are collected then.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holding = 0  # checks running now
_was_enabled = True  # whether the collector ran before the first of them began


@contextmanager
def collector_held() -> Iterator[None]:
    """Automatic garbage collection off inside, back to what it was when the last one ends."""
    global _holding, _was_enabled
    with _lock:
        if _holding == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holding += 1
    try:
        yield
    finally:
        with _lock:
            _holding -= 1
            if _holding == 0 and _was_enabled:
                gc.enable()
