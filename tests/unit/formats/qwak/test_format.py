"""The Qwak format on real project folders, in this process: detection, layout, discovery, the
build step's errors (no model class, an unpicklable field) and loading the built instance."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelport.artifact.manifest import Manifest
from modelport.errors import BuildFailed, ConfigError
from modelport.formats.native.format import NativeFormat
from modelport.formats.qwak.format import QwakFormat

MODEL = """
import threading
import pandas as pd
from qwak.model.base import QwakModel
from qwak.model.schema import ModelSchema, ExplicitFeature, InferenceOutput

class Doubler(QwakModel):
    def __init__(self):
        self.factor = None
        self.loaded = 0

    def build(self):
        self.factor = float(open("main/factor.txt").read())

    def initialize_model(self):
        self.loaded += 1

    def schema(self):
        return ModelSchema(
            inputs=[ExplicitFeature(name="x", type=float)],
            outputs=[InferenceOutput(name="y", type=float)],
        )

    def predict(self, df):
        return pd.DataFrame({"y": df["x"] * self.factor})

class Uploader(Doubler):
    def build(self):
        super().build()
        self.s3_client = threading.Lock()
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A Qwak project folder as the build worker sees it (working directory = project), with
    a fresh ``main`` package each time."""
    root = tmp_path / "doubler"
    (root / "main").mkdir(parents=True)
    (root / "main" / "model.py").write_text(MODEL)
    (root / "main" / "factor.txt").write_text("2")
    (root / "main" / "__init__.py").write_text("from .model import Doubler\n")
    monkeypatch.chdir(root)
    monkeypatch.setattr(sys, "path", list(sys.path))
    _forget_main()
    yield root
    _forget_main()


def _forget_main() -> None:
    for name in [n for n in sys.modules if n == "main" or n.startswith("main.")]:
        del sys.modules[name]


def _build(root: Path, out: Path) -> tuple[QwakFormat, Manifest]:
    qwak = QwakFormat()
    out.mkdir()
    output = qwak.build_step(qwak.layout(root), out)
    (out / "model").mkdir()
    (out / "instance.pkl").rename(out / "model" / "instance.pkl")
    manifest = Manifest(
        format_version=1,
        name="doubler",
        version=output.version,
        source_format="qwak",
        entry_point=output.entry_point,
        signature=output.signature,
        metadata=output.metadata,
        python_version="3",
        lock=[],
        files={},
        build={},
    )
    return qwak, manifest


def test_detect_prefers_qwak_projects_over_native(project: Path) -> None:
    assert QwakFormat().detect(project) == 0.95
    assert QwakFormat().detect(project) > NativeFormat().detect(project)
    (project / "main" / "model.py").write_text("import modelport\n")
    assert QwakFormat().detect(project) == 0.0


def test_layout(project: Path) -> None:
    (project / "tests" / "ut").mkdir(parents=True)
    (project / "tests" / "it").mkdir()
    (project / "tests" / "it" / "sample_test.py").write_text("")
    (project / "assets").mkdir()
    (project / "assets" / "words.txt").write_text("hello")
    layout = QwakFormat().layout(project, extra_folders=("./assets/",))
    assert "assets/words.txt" in layout.sources
    assert "tests/it/sample_test.py" in layout.sources
    assert (layout.unit_tests, layout.integration_tests) == ("tests/ut", "tests/it")
    assert layout.integration_tests_at_build
    assert layout.test_plugins == ("modelport.formats.qwak.pytest_sdk",)
    inside = QwakFormat().layout(project, extra_folders=(str(project / "assets"),))
    assert "assets/words.txt" in inside.sources


def test_an_extra_folder_outside_the_project_keeps_its_whole_path(
    project: Path, tmp_path: Path
) -> None:
    shared = tmp_path / "shared" / "words"
    shared.mkdir(parents=True)
    (shared / "fr.txt").write_text("bonjour")
    layout = QwakFormat().layout(project, extra_folders=(str(shared),))
    name = shared.resolve().relative_to(shared.resolve().anchor).as_posix() + "/fr.txt"
    assert layout.external_sources == {name: shared.resolve() / "fr.txt"}
    assert not any("fr.txt" in source for source in layout.sources)
    with pytest.raises(ConfigError) as raised:
        QwakFormat().layout(project, extra_folders=(str(tmp_path / "missing"),))
    assert raised.value.field == "--dependency-required-folders"


def test_build_load_and_predict(project: Path, tmp_path: Path) -> None:
    qwak, manifest = _build(project, tmp_path / "out")
    assert manifest.entry_point == "main:Doubler"
    assert [f["name"] for f in manifest.signature["inputs"]] == ["x"]
    servable = qwak.load(tmp_path / "out", manifest)
    servable.load()
    assert servable.instance.loaded == 1
    assert servable.source_format == "qwak"
    import pandas as pd

    assert servable.predict_frame(pd.DataFrame({"x": [1.0, 2.5]})).to_pylist() == [
        {"y": 2.0},
        {"y": 5.0},
    ]


@pytest.mark.parametrize("returns", ["Doubler()", "Doubler"])
def test_load_model_returning_an_instance_or_a_class(
    project: Path, tmp_path: Path, returns: str
) -> None:
    (project / "main" / "__init__.py").write_text(
        f"from .model import Doubler\n\ndef load_model():\n    return {returns}\n"
    )
    _, manifest = _build(project, tmp_path / "out")
    assert manifest.entry_point == "main:load_model"


def test_the_model_class_may_live_in_main_model_only(project: Path, tmp_path: Path) -> None:
    (project / "main" / "model.py").write_text(MODEL.replace("class Uploader(Doubler)", "class X"))
    (project / "main" / "__init__.py").write_text("")
    _, manifest = _build(project, tmp_path / "out")
    assert manifest.entry_point == "main:Doubler"


def test_no_model_class(project: Path, tmp_path: Path) -> None:
    (project / "main" / "__init__.py").write_text("")
    (project / "main" / "model.py").write_text("class NotAModel:\n    pass\n")
    with pytest.raises(ConfigError, match=r"no model class found in main/") as raised:
        _build(project, tmp_path / "out")
    assert "QwakModel" in str(raised.value.hint)


def test_several_model_classes(project: Path, tmp_path: Path) -> None:
    (project / "main" / "__init__.py").write_text("from .model import Doubler, Uploader\n")
    with pytest.raises(ConfigError, match=r"several model classes found in main/: Doubler, Up"):
        _build(project, tmp_path / "out")


def test_an_unpicklable_field_is_named(project: Path, tmp_path: Path) -> None:
    (project / "main" / "__init__.py").write_text("from .model import Uploader\n")
    with pytest.raises(BuildFailed) as raised:
        _build(project, tmp_path / "out")
    assert "Uploader.s3_client (a lock) cannot be pickled after build()" in raised.value.message
    assert raised.value.field == "s3_client"


def test_an_unsupported_input_adapter_fails_the_build(project: Path, tmp_path: Path) -> None:
    source = textwrap.dedent(
        """
        import qwak

        class ImageInputAdapter:
            pass

        Doubler.predict = qwak.api(input_adapter=ImageInputAdapter())(Doubler.predict)
        """
    )
    with (project / "main" / "model.py").open("a") as model:
        model.write(source)
    with pytest.raises(ConfigError, match="input_adapter ImageInputAdapter is not supported"):
        _build(project, tmp_path / "out")


def test_load_model_in_main_model_with_a_class_from_elsewhere(
    project: Path, tmp_path: Path
) -> None:
    """The spec's model class from an installed package: main/__init__.py is empty and
    main/model.py imports the class and returns it from load_model()."""
    package = tmp_path / "site" / "importqwakmodelfrompackage"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "model.py").write_text(MODEL.replace("Doubler", "TestModel"))
    sys.path.insert(0, str(tmp_path / "site"))
    (project / "main" / "__init__.py").write_text("")
    (project / "main" / "model.py").write_text(
        "from importqwakmodelfrompackage.model import TestModel\n\n"
        "def load_model():\n    return TestModel\n"
    )
    try:
        _, manifest = _build(project, tmp_path / "out")
    finally:
        for name in [n for n in sys.modules if n.startswith("importqwakmodelfrompackage")]:
            del sys.modules[name]
    assert manifest.entry_point == "main.model:load_model"
    assert QwakFormat().detect(project) == 0.0  # main/ never names the SDK: --convention qwak
