"""`modelport init` templates: each writes a complete project whose code compiles."""

from pathlib import Path

import pytest

from modelport.errors import Conflict, InvalidInput
from modelport.scaffold import OWN_LAYOUT, TEMPLATES, class_name_for, scaffold


@pytest.mark.parametrize("template", [t for t in TEMPLATES if t not in OWN_LAYOUT])
def test_every_template_writes_a_full_project(tmp_path: Path, template: str) -> None:
    root = tmp_path / "iris"
    written = scaffold("iris", template=template, dest=root, class_name="IrisClassifier")

    names = {str(p.relative_to(root)) for p in written}
    assert {"main/__init__.py", "main/model.py", "main/requirements.txt", "README.md"} <= names
    assert any(n.startswith("tests/ut/") and n.endswith(".py") for n in names)
    assert (root / "tests" / "it").is_dir()
    for path in written:
        text = path.read_text()
        assert "{{" not in text, f"unrendered placeholder in {path}"
        if path.suffix == ".py":
            compile(text, str(path), "exec")
    base = "QwakModel" if template == "qwak" else "modelport.Model"
    assert f"class IrisClassifier({base})" in (root / "main" / "model.py").read_text()
    assert "from .model import IrisClassifier" in (root / "main" / "__init__.py").read_text()


def test_default_class_name_comes_from_the_model_name() -> None:
    assert class_name_for("iris") == "IrisModel"
    assert class_name_for("churn-predictor") == "ChurnPredictorModel"
    assert class_name_for("3d-model") == "M3dModel"


def test_unknown_template_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="unknown template 'tensorflow'") as info:
        scaffold("x", template="tensorflow", dest=tmp_path / "x")
    assert "sklearn" in str(info.value)
    assert not (tmp_path / "x").exists()


def test_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(Conflict, match="not empty"):
        scaffold("x", dest=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_refuses_an_invalid_class_name(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not a valid Python class name"):
        scaffold("x", dest=tmp_path / "x", class_name="1Bad-Name")
