"""Reading from a native project's source whether its environment needs pandas."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from modelport.batch import Batch
from modelport.builder.environment import locks_pandas, modelport_requirements
from modelport.errors import ModelFailed
from modelport.formats.native.dataframes import asks_for_dataframes
from modelport.formats.native.format import NativeFormat
from modelport.formats.native.python_model import batch_kind_of

HEADER = (
    "import numpy as np\nimport pyarrow as pa\nimport modelport\n\n\nclass M(modelport.Model):\n"
)


def _needs(tmp_path: Path, model: str, **files: str) -> bool:
    (tmp_path / "main").mkdir()
    (tmp_path / "main" / "__init__.py").write_text("from .model import M\n")
    (tmp_path / "main" / "model.py").write_text(model)
    for name, text in files.items():  # tests__ut__test_model__py -> tests/ut/test_model.py
        path = tmp_path / name.replace("__py", ".py").replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return NativeFormat().layout(tmp_path).needs_pandas


@pytest.mark.parametrize(
    "signature",
    [
        "def predict(self, x: np.ndarray) -> np.ndarray:",
        "def predict(self, x: 'np.ndarray'):",
        "def predict(self, x: npt.NDArray[np.float64]):",
        "def predict(self, table: pa.Table) -> pa.Table:",
        "def predict(self, columns: dict[str, np.ndarray]):",
        "def predict(self, rows: list[dict]):",
        "async def predict(self, rows: Sequence[Mapping[str, float]]):",
    ],
)
def test_models_annotated_with_other_views_need_no_pandas(tmp_path: Path, signature: str) -> None:
    assert not _needs(tmp_path, f"{HEADER}    {signature}\n        return x\n")


@pytest.mark.parametrize(
    "signature",
    [
        "def predict(self, df):",
        "def predict(self, df: pd.DataFrame):",
        "def predict(self, df: 'DataFrame'):",
        "def predict(self, x: np.ndarray | None):",
    ],
)
def test_unannotated_or_dataframe_batches_need_pandas(tmp_path: Path, signature: str) -> None:
    assert _needs(tmp_path, f"{HEADER}    {signature}\n        return df\n")


@pytest.mark.parametrize(
    "line", ["import pandas as pd", "from pandas.testing import assert_frame_equal"]
)
def test_pandas_imported_anywhere_in_the_sources_needs_pandas(tmp_path: Path, line: str) -> None:
    model = f"{HEADER}    def predict(self, x: np.ndarray):\n        return x\n"
    assert not _needs(tmp_path, model, tests__ut__test_model__py="import numpy\n")
    (tmp_path / "tests" / "ut" / "test_model.py").write_text(f"{line}\n")
    assert asks_for_dataframes(tmp_path, ["main/model.py", "tests/ut/test_model.py"])


def test_integration_tests_need_pandas_for_their_client(tmp_path: Path) -> None:
    model = f"{HEADER}    def predict(self, x: np.ndarray):\n        return x\n"
    assert _needs(tmp_path, model, tests__it__test_served__py="def test_x(): pass\n")


def test_a_source_that_does_not_parse_counts_as_needing_pandas(tmp_path: Path) -> None:
    (tmp_path / "main").mkdir()
    (tmp_path / "main" / "model.py").write_text("def predict(self, x: np.ndarray:\n")
    assert asks_for_dataframes(tmp_path, ["main/model.py"])


def test_modelport_requirements_leave_pandas_out_only_when_asked() -> None:
    names = [line.split(">")[0].split("=")[0] for line in modelport_requirements()]
    assert "pandas" in names
    assert "pandas" not in [
        line.split(">")[0].split("=")[0] for line in modelport_requirements(pandas=False)
    ]
    assert set(modelport_requirements(pandas=False)) < set(modelport_requirements())


def test_locks_pandas_reads_pinned_lines() -> None:
    assert locks_pandas(["numpy==2.0.0", "Pandas==2.2.3"])
    assert not locks_pandas(["numpy==2.0.0", "pandas-stubs==2.2.3", "pyarrow==17.0.0"])


def test_a_dataframe_view_without_pandas_fails_saying_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` raises ImportError
    batch = Batch.from_columns({"x": np.array([1.0])})
    with pytest.raises(ModelFailed, match="no pandas") as caught:
        batch.frame()
    assert "requirements" in (caught.value.hint or "")


def test_a_predict_inherited_from_another_source_module_is_read_too(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "base.py").write_text(
        "class Base:\n    def predict(self, df):\n        ...\n"
    )
    (tmp_path / "main").mkdir()
    (tmp_path / "main" / "model.py").write_text(
        "from lib.base import Base\n\n\nclass M(Base): ...\n"
    )
    assert asks_for_dataframes(tmp_path, ["main/model.py", "lib/base.py"])


def test_tests_may_define_predict_helpers_without_annotations(tmp_path: Path) -> None:
    model = f"{HEADER}    def predict(self, x: np.ndarray):\n        return x\n"
    helper = "class Fake:\n    def predict(self, rows):\n        return rows\n"
    assert not _needs(tmp_path, model, tests__ut__test_model__py=helper)


def test_the_batch_view_does_not_depend_on_other_annotations_resolving() -> None:
    """A return type imported for type checkers only must not turn the batch into a DataFrame;
    the build's reading of the source and the runtime agree."""
    code = (
        "from __future__ import annotations\n"
        "import numpy as np\n"
        "def predict(self, x: np.ndarray) -> OnlyForTypeCheckers:\n"
        "    return x\n"
        "def by_text(self, x: npt.NDArray[np.float64]) -> OnlyForTypeCheckers:\n"
        "    return x\n"
        "def frame(self, df: pd.DataFrame) -> OnlyForTypeCheckers:\n"
        "    return df\n"
    )
    space: dict[str, object] = {}
    exec(code, space)
    assert batch_kind_of(space["predict"]) == "matrix"
    assert batch_kind_of(space["by_text"]) == "matrix"  # npt unknown here: read as written
    assert batch_kind_of(space["frame"]) == "pandas"
