"""The parts of a worker pool that need no process: the shared table, how a worker's end is
told, how many workers a model gets, and sizes as written on a command line."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import sys
import time
import types
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import modelport
from modelport.errors import ConfigError
from modelport.formats.native.python_model import PythonModelServable
from modelport.schema import Field, Signature
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.serving.sizes import parse_size
from modelport.serving.workers import THREADED_FRAMEWORKS, default_workers
from modelport.serving.workers import supervisor as supervisor_module
from modelport.serving.workers.supervisor import (
    PoolOptions,
    Supervisor,
    describe_exit,
    resident_bytes,
)
from modelport.serving.workers.table import STALE_SECONDS, WorkerTable

SIGNATURE = Signature(inputs=[Field("x", float)], outputs=[Field("y", float)])


def test_a_worker_is_able_once_it_beats_and_stuck_when_silent_or_holding_an_overrun() -> None:
    table = WorkerTable(2)
    slot = table.claim()
    assert not table.has_beaten(slot) and not table.any_able()  # forked, not started yet
    table.beat(slot, 4242, overruns=0)
    assert table.has_beaten(slot) and table.any_able()
    now = time.monotonic()
    assert not table.stuck(slot, now)
    assert table.stuck(slot, now + STALE_SECONDS + 0.1)  # its loop stopped ticking
    assert table.silent_for(slot, now + 5) > 4
    table.beat(slot, 4242, overruns=1)
    assert table.stuck(slot, time.monotonic()) and table.overruns(slot) == 1
    assert not table.any_able()
    other = table.claim()
    table.beat(other, 4343, overruns=0)
    assert table.any_able()  # one worker of two can answer: ready


def test_slots_are_claimed_until_none_is_free_and_released_for_reuse() -> None:
    table = WorkerTable(2)
    first, second = table.claim(), table.claim()
    assert {first, second} == {0, 1} and not table.has_free()
    with pytest.raises(RuntimeError):
        table.claim()
    table.release(first)
    assert table.has_free() and table.claim() == first


def test_the_table_is_shared_with_a_forked_child() -> None:
    table = WorkerTable(1)
    slot = table.claim()
    with warnings.catch_warnings():  # Python 3.12+ warns of forking with threads (pytest's)
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        table.beat(slot, os.getpid(), overruns=3)
        os._exit(0)
    os.waitpid(pid, 0)
    assert table.overruns(slot) == 3


def test_a_beating_worker_is_never_read_half_written_from_another_process() -> None:
    """A worker beats while the supervisor reads its slot: every read sees the worker's pid and
    a recent heartbeat. (Written with ``struct.pack_into``, which zeroes the slot before writing
    it, reads saw pid 0 or a heartbeat of 0 here: a live worker recycled as silent for the
    machine's uptime.)"""
    table = WorkerTable(1)
    slot = table.claim()
    table.beat(slot, 4242, overruns=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        while True:  # until killed
            table.beat(slot, 4242, overruns=0)
    torn = 0
    try:
        for _ in range(300_000):
            now = time.monotonic()
            torn += table.silent_for(slot, now) > 1.0 or not table.has_beaten(slot)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert torn == 0


def test_a_workers_end_is_told_by_its_exit_code_or_signal() -> None:
    assert describe_exit(3 << 8) == "exited with code 3"
    assert describe_exit(signal.SIGSEGV).startswith("killed by SIGSEGV (a segmentation fault")
    assert "out-of-memory killer" in describe_exit(signal.SIGKILL)
    assert describe_exit(signal.SIGTERM) == "killed by SIGTERM"


def test_resident_memory_of_a_live_process_and_of_none() -> None:
    assert resident_bytes(os.getpid()) > 10 * 2**20
    assert resident_bytes(2**22 + 7) == 0  # above the kernel's pid limit: never a process


class Plain(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        return batch[:, 0]


class Waits(modelport.Model):
    async def predict(self, batch: np.ndarray) -> np.ndarray:
        return batch[:, 0]


def test_a_cpu_bound_model_gets_a_worker_per_core_an_async_one_a_single_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in THREADED_FRAMEWORKS:  # imported by other tests of this process, perhaps
        monkeypatch.delitem(sys.modules, name, raising=False)
    plain = PythonModelServable(Plain(), name="p", signature=SIGNATURE)
    waits = PythonModelServable(Waits(), name="w", signature=SIGNATURE)
    assert default_workers([plain]) == len(os.sched_getaffinity(0))
    assert default_workers([waits]) == 1
    assert default_workers([plain, waits]) == 1


def test_a_model_on_torch_gets_a_single_process(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = PythonModelServable(Plain(), name="p", signature=SIGNATURE)
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    assert default_workers([plain]) == 1


class _OnTensorFlow(PythonModelServable):
    threaded_framework = True  # as a Keras upload's servable, whose load imports TensorFlow


def test_a_model_whose_load_imports_a_threaded_framework_gets_a_single_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in THREADED_FRAMEWORKS:
        monkeypatch.delitem(sys.modules, name, raising=False)
    plain = PythonModelServable(Plain(), name="p", signature=SIGNATURE)
    keras = _OnTensorFlow(Plain(), name="k", signature=SIGNATURE)
    assert default_workers([keras]) == 1
    assert default_workers([plain, keras]) == 1


@pytest.mark.parametrize(
    ("text", "size"),
    [("2GiB", 2 * 1024**3), ("512MiB", 512 * 1024**2), ("1.5GB", 1_500_000_000), ("1000", 1000)],
)
def test_sizes_are_read_with_their_units(text: str, size: int) -> None:
    assert parse_size(text, field="--max-worker-memory") == size


@pytest.mark.parametrize("text", ["lots", "2 GiBs", "-1MiB", "0"])
def test_a_size_that_is_not_one_names_the_option(text: str) -> None:
    with pytest.raises(ConfigError, match="--max-worker-memory") as refused:
        parse_size(text, field="--max-worker-memory")
    assert "2GiB" in str(refused.value)


def _supervisor(signature: Signature, sock: socket.socket) -> Supervisor:
    """A pool's supervisor of one model, never run (no app: nothing is served)."""
    servable = PythonModelServable(Plain(), name="p", signature=signature)
    models = ModelSet([ModelRuntime(servable)])
    options = PoolOptions(workers=2, graceful_timeout=1.0)
    return Supervisor(None, models, sock, options)  # type: ignore[arg-type]


def _imported_before_the_forks(signature: Signature) -> list[str]:
    with socket.socket() as sock:
        return _supervisor(signature, sock)._imported_by_workers()


@pytest.mark.parametrize(
    ("field", "shared"),
    [
        (Field("x", float), False),
        (Field("text", str), False),
        (Field("image", "float32", shape=(2, 2)), True),
        (Field("when", pa.timestamp("us")), True),
    ],
)
def test_pyarrow_compute_is_imported_before_the_forks_only_for_columns_that_need_it(
    field: Field, shared: bool
) -> None:
    """Lists, dates and times are read with ``pyarrow.compute`` (50 ms of every start, 9 MiB):
    imported before the forks for models that have them, shared by every worker; a model of
    plain columns is spared it."""
    for side in ("inputs", "outputs"):
        other = Field("y", float)
        fields = {"inputs": [other], "outputs": [other], side: [field]}
        signature = Signature(inputs=fields["inputs"], outputs=fields["outputs"])
        imported = _imported_before_the_forks(signature)
        assert ("pyarrow.compute" in imported) is shared, side


def test_a_model_of_arbitrary_json_or_undeclared_outputs_gets_pyarrow_compute_shared() -> None:
    """Free-form JSON may hold lists at any depth, and undeclared outputs may be anything."""
    assert "pyarrow.compute" in _imported_before_the_forks(Signature.free())
    assert "pyarrow.compute" in _imported_before_the_forks(Signature(inputs=[Field("x", float)]))


@pytest.mark.parametrize("installed", [True, False])
def test_pandas_when_installed_is_imported_before_the_forks(
    monkeypatch: pytest.MonkeyPatch, installed: bool
) -> None:
    """pyarrow imports pandas, when it can, with the first array it makes (``pa.array`` of a
    numpy array included): 200 ms and 50 MiB each worker would otherwise pay on its own."""
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return (real(name, *args) if installed else None) if name == "pandas" else real(name)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    imported = _imported_before_the_forks(SIGNATURE)
    assert ("pandas" in imported) is installed


def test_a_pandas_that_fails_to_import_leaves_the_pool_loading(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """pyarrow goes on without pandas when importing it fails (built against another numpy,
    say): the supervisor's import before the forks does too."""
    broken = tmp_path / "pandas"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise ImportError('built against another numpy')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "pandas", raising=False)
    monkeypatch.setattr(supervisor_module, "freeze_loaded_heap", lambda: None)  # this process's
    with socket.socket() as sock:
        supervisor = _supervisor(SIGNATURE, sock)
        assert "pandas" in supervisor._imported_by_workers()
        supervisor._load()
    assert supervisor.models.all()[0].ready
