"""Freezing what loading the models left on the heap, once, before serving (and before a pool
forks its workers).

Everything imported and loaded by then lives as long as the process. Frozen, the framework's
objects (some 10^5) leave the cyclic collector's full passes, which would otherwise walk them all
and stall a request now and then, and which in a forked worker would write to every page that
holds one, undoing the copy-on-write sharing of the weights.

Only the young generations are collected first: what the load's last steps left as garbage goes
(45 objects after loading the iris SVC), while a full pass over the old generation, 66 ms of
that model's cold start for 10 more objects, is left out, as the recipe of Python's documentation
for forking servers (``gc.freeze``) leaves out collecting altogether. Garbage that was already old
is frozen with the rest: it stays, shared by every worker, and is never walked again.
"""

from __future__ import annotations

import gc

YOUNG_GENERATIONS = 1
"""The oldest generation collected before the freeze (0 and 1: the young; 2 is the old)."""


def freeze_loaded_heap() -> None:
    """Collect the young generations, then move every tracked object to the permanent one."""
    gc.collect(YOUNG_GENERATIONS)
    gc.freeze()
