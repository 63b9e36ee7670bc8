"""The collector while the serving process starts: off until the models are loaded, then the
heap frozen and the collector on again, with no pass over what the start made."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from modelport.serving.heap import freeze_loaded_heap, pause_collection


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.enable()


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
def test_no_pass_runs_while_loading_and_what_it_made_is_frozen(passes: list[int]) -> None:
    gc.collect()
    passes.clear()
    pause_collection()
    loaded = [[Node() for _ in range(10)] for _ in range(5_000)]  # many thresholds' worth
    freeze_loaded_heap()
    assert passes == [], f"the collector ran while loading: generations {passes}"
    assert gc.isenabled(), "the collector is off after the freeze"
    assert gc.get_freeze_count() > 0
    tracked = gc.get_objects()
    assert not any(o is loaded[0] for o in tracked), "what loading made is still collected"


@pytest.mark.usefixtures("unfrozen")
def test_garbage_made_after_the_freeze_is_collected() -> None:
    pause_collection()
    freeze_loaded_heap()
    later = _cycle()
    gc.collect()
    assert later() is None
