"""Freezing the heap once the models are loaded: young garbage collected, no full pass."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from modelport.serving.heap import freeze_loaded_heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.fixture
def passes() -> Iterator[list[int]]:
    """The generation of every collection that starts while the test runs."""
    started: list[int] = []

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(note)
    yield started
    gc.callbacks.remove(note)


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def _cycle() -> weakref.ref[Node]:
    """A cycle nothing else refers to: garbage only the cyclic collector can take."""
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


@pytest.mark.usefixtures("unfrozen")
def test_young_garbage_goes_and_what_is_left_is_frozen(passes: list[int]) -> None:
    gc.collect()  # the heap as a load leaves it: old objects, then the last steps' garbage
    young = _cycle()
    kept = [Node() for _ in range(10)]
    passes.clear()
    freeze_loaded_heap()
    assert young() is None, "the young generations' garbage was not collected"
    assert gc.get_freeze_count() > 0
    tracked = gc.get_objects()
    assert not any(o is kept[0] for o in tracked), "what loading made is still collected"
    assert passes and max(passes) < 2, f"a full pass ran: generations {passes}"
