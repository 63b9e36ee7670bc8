"""The collector while the serving process starts, and freezing what loading the models left on
the heap, once, before serving (and before a pool forks its workers).

This is the recipe of Python's documentation for forking servers (``gc.freeze``): the collector
is off from the serving process's first line (``pause_collection``) until the models are loaded,
then everything on the heap is frozen and the collector turned back on. Importing a framework
allocates some 10^5 objects that live as long as the process; with the collector on, its full
passes walk the growing heap again and again while they are made: 70-90 ms of the iris SVC's
cold start of about 0.85 s to a loaded model, by hand. Frozen, those objects leave the
collector's passes for good, which would otherwise walk them all and stall a request now and
then, and which in a forked worker would write to every page that holds one, undoing the
copy-on-write sharing of the weights.

Nothing is collected before the freeze: with the collector off every object of the start is in
the youngest generation, so even a young pass would walk them all (60 ms of that cold start).
What the start left as cyclic garbage stays, frozen and shared: 1,078 objects (about 320 KiB)
after the serving stack's imports and loading the iris SVC, 33 (none of them a tensor) after
``from_pretrained`` of a 4-layer BERT. Garbage that is not cyclic goes at once either way:
reference counting frees it.
"""

from __future__ import annotations

import gc


def pause_collection() -> None:
    """No automatic collections until :func:`freeze_loaded_heap` (the serving process's start)."""
    gc.disable()


def freeze_loaded_heap() -> None:
    """Move every tracked object to the permanent generation, then collect as usual again."""
    gc.freeze()
    gc.enable()
