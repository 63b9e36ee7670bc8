"""What a training worker reports: the value ``train()`` returned, or the exception's own text
(as DEEPaaS shows it: empty for a bare ``NotImplementedError``), run here in-process."""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path
from typing import Any

import pytest

from modelport.formats.deepaas.entry_points import EntryPoint
from modelport.formats.deepaas.training import train_in_worker

API = """
def train(mode):
    if mode == "bare":
        raise NotImplementedError
    if mode == "why":
        raise NotImplementedError("needs a GPU")
    if mode == "value":
        raise ValueError("bad epochs")
    return {"mode": mode}
"""


@pytest.mark.parametrize(
    ("mode", "outcome"),
    [
        ("bare", ("error", "")),
        ("why", ("error", "needs a GPU")),
        ("value", ("error", "bad epochs")),
        ("ok", ("done", {"mode": "ok"})),
    ],
)
def test_the_outcome_sent_back(
    mode: str, outcome: tuple[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "trainme_api.py").write_text(API)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "trainme_api", raising=False)
    receiver, sender = multiprocessing.Pipe(duplex=False)
    train_in_worker(EntryPoint("t", "trainme_api"), None, None, {"mode": mode}, sender)
    assert receiver.recv() == outcome
    receiver.close()
