"""A framework file's environment is told what it needs from the file, without loading it."""

from __future__ import annotations

import importlib.metadata
import pickle
from pathlib import Path

import pytest

from modelport.formats.wallaroo import framework_requirements
from modelport.formats.wallaroo.framework_requirements import installed_pin, upload_requirements


def test_each_kind_of_file_gets_its_framework_and_the_conversion_s_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(framework_requirements, "_CHUNK", 8)  # the word spans chunks
    sklearn = importlib.metadata.version("scikit-learn")
    plain = tmp_path / "model.pkl"
    plain.write_bytes(pickle.dumps({"weights": [1.0, 2.0]}))
    assert upload_requirements(plain) == (
        f"scikit-learn=={sklearn}",
        "joblib",
        "skl2onnx",
        "onnxruntime",
    )
    boosted = tmp_path / "booster.joblib"
    boosted.write_bytes(b"\x80\x04" + b"junk" * 5 + b"xgboost.core" + b"\x94")
    found = upload_requirements(boosted)
    assert found is not None and found[-2:] == (installed_pin("xgboost"), "onnxmltools")
    graph = tmp_path / "model.onnx"
    graph.write_bytes(b"graph")
    assert upload_requirements(graph) == ("onnxruntime",)
    step = tmp_path / "step.py"
    step.write_text("def process_data(data): return data\n")
    assert upload_requirements(step) is None
    assert upload_requirements(tmp_path) is None  # a folder (the build step's staged layout)


def test_a_package_not_installed_here_is_named_bare() -> None:
    assert installed_pin("no-such-distribution-here") == "no-such-distribution-here"
    assert installed_pin("numpy") == f"numpy=={importlib.metadata.version('numpy')}"
