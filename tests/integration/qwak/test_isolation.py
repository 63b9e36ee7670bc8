"""The ``qwak`` compatibility modules are for Qwak projects only: a native model, built and
loaded by the same modelport (which has the Qwak format installed), cannot import ``qwak``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..cli import Result

NATIVE_MODEL = """
import importlib.util

import pandas as pd

import modelport
from modelport import Field, Signature


class Probe(modelport.Model):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        found = importlib.util.find_spec("qwak") is not None
        return pd.DataFrame({"qwak_importable": [found] * len(df)})

    def schema(self) -> Signature:
        return Signature(inputs=[Field("x", float)], outputs=[Field("qwak_importable", bool)])
"""

NATIVE_UNIT_TEST = """
import pytest


def test_qwak_is_not_importable():
    with pytest.raises(ModuleNotFoundError):
        import qwak  # noqa: F401
"""


def test_a_native_model_cannot_import_qwak(qwak_cli: Callable[..., Result], tmp_path: Path) -> None:
    project = tmp_path / "native-probe"
    (project / "main").mkdir(parents=True)
    (project / "main" / "__init__.py").write_text("from .model import Probe\n")
    (project / "main" / "model.py").write_text(NATIVE_MODEL)
    (project / "tests" / "ut").mkdir(parents=True)
    (project / "tests" / "ut" / "test_probe.py").write_text(NATIVE_UNIT_TEST)

    built = qwak_cli("build", str(project), "--env", "inherit")
    assert built.code == 0, built.stderr
    assert "native project" in built.stdout + built.stderr
    assert "1 passed" in built.stdout + built.stderr  # its unit test ran at build time

    answered = qwak_cli("predict", "native-probe", "--data", '[{"x": 1.0}]', "--json")
    assert answered.code == 0, answered.stderr
    assert answered.json() == [{"qwak_importable": False}]
