"""`modelport init` templates: each writes, in its convention's layout, a complete project whose
code compiles and which that convention's adapter recognises; `--template` picks a variant
within the convention `--convention` picks."""

import ast
import pickle
import shlex
from importlib.resources import files
from pathlib import Path

import pyarrow as pa
import pytest

from modelport.errors import Conflict, InvalidInput
from modelport.formats.deepaas.entry_points import project_entry_points
from modelport.formats.detect import detect_format
from modelport.formats.odahu.format import read_artifact
from modelport.formats.truss.config import read_config
from modelport.scaffold import (
    CONVENTIONS,
    class_name_for,
    next_command,
    package_name_for,
    scaffold,
    template_of,
)

EVERY_TEMPLATE = [(c, t) for c, templates in CONVENTIONS.items() for t in templates]


@pytest.mark.parametrize(("convention", "template"), EVERY_TEMPLATE)
def test_every_template_renders_and_compiles(
    tmp_path: Path, convention: str, template: str
) -> None:
    root = tmp_path / "word-count"
    written = scaffold(
        "word-count", convention=convention, template=template, dest=root, class_name="Counter"
    )

    assert written and all(path.is_file() for path in written)
    assert (root / "README.md") in written
    for path in written:
        assert "{{" not in str(path.relative_to(root)), f"unrendered placeholder in {path}"
        if path.suffix == ".pkl":
            continue
        text = path.read_text()
        assert "{{" not in text, f"unrendered placeholder in {path}"
        if path.suffix == ".py":
            compile(text, str(path), "exec")


def test_every_template_folder_is_offered() -> None:
    root = files("modelport") / "templates"
    on_disk = {
        (convention.name, template.name)
        for convention in root.iterdir()
        if convention.is_dir() and not convention.name.startswith("_")
        for template in convention.iterdir()
        if template.is_dir() and template.name != "_common"
    }
    assert on_disk == set(EVERY_TEMPLATE)


@pytest.mark.parametrize("template", CONVENTIONS["native"])
def test_native_templates_write_a_main_package_with_tests(tmp_path: Path, template: str) -> None:
    root = tmp_path / "iris"
    written = scaffold("iris", template=template, dest=root, class_name="IrisClassifier")

    names = {str(p.relative_to(root)) for p in written}
    assert {"main/__init__.py", "main/model.py", "main/requirements.txt", "README.md"} <= names
    assert any(n.startswith("tests/ut/") and n.endswith(".py") for n in names)
    assert any(n.startswith("tests/it/") and n.endswith(".py") for n in names)
    assert "class IrisClassifier(modelport.Model)" in (root / "main" / "model.py").read_text()
    assert "from .model import IrisClassifier" in (root / "main" / "__init__.py").read_text()
    assert detect_format(root).name == "native"


def test_qwak_writes_a_qwak_model_project(tmp_path: Path) -> None:
    root = tmp_path / "iris"
    scaffold("iris", convention="qwak", dest=root, class_name="IrisClassifier")

    assert "class IrisClassifier(QwakModel)" in (root / "main" / "model.py").read_text()
    assert "from .model import IrisClassifier" in (root / "main" / "__init__.py").read_text()
    assert (root / "tests" / "ut" / "sample_test.py").is_file()
    assert (root / "tests" / "it" / "sample_test.py").is_file()
    assert detect_format(root).name == "qwak"


def test_truss_writes_config_and_model_class(tmp_path: Path) -> None:
    root = tmp_path / "my-model"
    scaffold("my-model", convention="truss", dest=root)

    assert read_config(root).model_name == "my-model"
    assert "class Model:" in (root / "model" / "model.py").read_text()
    assert not (root / "main").exists()
    assert detect_format(root).name == "truss"


def test_deepaas_writes_a_package_with_the_model_api_behind_its_entry_point(
    tmp_path: Path,
) -> None:
    root = tmp_path / "word-count"
    scaffold("word-count", convention="deepaas", dest=root)

    (entry,) = project_entry_points(root)
    assert (entry.name, entry.value) == ("word-count", "word_count.api")
    api = ast.parse((root / "word_count" / "api.py").read_text())
    functions = {node.name for node in api.body if isinstance(node, ast.FunctionDef)}
    assert {"get_metadata", "warm", "get_predict_args", "predict"} <= functions
    names = [t for node in api.body if isinstance(node, ast.Assign) for t in node.targets]
    assert "schema" in {t.id for t in names if isinstance(t, ast.Name)}
    assert (root / "tests" / "test_api.py").is_file()
    assert detect_format(root).name == "deepaas"


def test_odahu_writes_an_omaf_artifact_folder_with_a_gppi_entrypoint(tmp_path: Path) -> None:
    root = tmp_path / "wine-quality"
    scaffold("wine-quality", convention="odahu", dest=root)

    folder, manifest = read_artifact(root)
    assert (manifest.name, manifest.work_dir, manifest.entrypoint) == (
        "wine-quality",
        "model",
        "entrypoint",
    )
    assert manifest.conda_path is not None and (folder / manifest.conda_path).is_file()
    entrypoint = ast.parse((folder / "model" / "entrypoint.py").read_text())
    functions = {node.name for node in entrypoint.body if isinstance(node, ast.FunctionDef)}
    assert {"init", "predict_on_matrix", "get_info"} <= functions
    assert detect_format(root).name == "odahu"


def test_wallaroo_writes_a_python_step_and_its_pickled_schemas(tmp_path: Path) -> None:
    root = tmp_path / "scaler"
    written = scaffold("scaler", convention="wallaroo", dest=root)

    assert {p.name for p in written} >= {"step.py", "schemas.py", "input_schema.pkl"}
    inputs = pickle.loads((root / "input_schema.pkl").read_bytes())
    outputs = pickle.loads((root / "output_schema.pkl").read_bytes())
    assert inputs == pa.schema([pa.field("tensor", pa.list_(pa.float64(), 4))])
    assert outputs.names == ["normalised", "norm"]
    assert "def process_data(input_data: InferenceData) -> InferenceData:" in (
        (root / "step.py").read_text()
    )
    assert detect_format(root / "step.py").name == "wallaroo"


def test_next_command_builds_the_layout_written(tmp_path: Path) -> None:
    root = tmp_path / "my dir"
    assert shlex.split(next_command("native", "x", root)) == ["modelport", "build", str(root)]
    wallaroo = shlex.split(next_command("wallaroo", "scaler", root))
    assert wallaroo[:3] == ["modelport", "build", str(root / "step.py")]
    assert wallaroo[wallaroo.index("--framework") + 1] == "python"
    assert wallaroo[wallaroo.index("--name") + 1] == "scaler"
    assert wallaroo[wallaroo.index("--input-schema") + 1] == str(root / "input_schema.pkl")


def test_template_defaults_to_the_conventions_first() -> None:
    assert template_of(None, None) == ("native", "basic")
    assert template_of("wallaroo", None) == ("wallaroo", "python")
    assert template_of(None, "streaming") == ("native", "streaming")


@pytest.mark.parametrize(
    ("convention", "template", "expected"),
    [
        ("deepaas", "streaming", "(it is one of --convention native)"),
        (None, "truss", "truss is a convention: use --convention truss"),
        ("odahu", "sklearn", "(it is one of --convention native or qwak)"),
    ],
)
def test_a_template_of_another_convention_names_both_flags(
    tmp_path: Path, convention: str | None, template: str, expected: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        scaffold("x", convention=convention, template=template, dest=tmp_path / "x")
    shown = convention or "native"
    assert f"--template {template!r} is not a template of --convention {shown}" in str(info.value)
    assert expected in str(info.value)
    assert ", ".join(CONVENTIONS[shown]) in (info.value.hint or "")
    assert not (tmp_path / "x").exists()


def test_unknown_template_and_convention_name_the_choices(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="--template 'tensorflow' is not a template") as info:
        scaffold("x", template="tensorflow", dest=tmp_path / "x")
    assert "basic, sklearn, async, streaming" in (info.value.hint or "")
    with pytest.raises(InvalidInput, match="unknown convention 'mlflow'") as info:
        scaffold("x", convention="mlflow", dest=tmp_path / "x")
    assert "native, qwak, truss, deepaas, odahu, wallaroo" in (info.value.hint or "")
    assert not (tmp_path / "x").exists()


def test_default_class_name_comes_from_the_model_name() -> None:
    assert class_name_for("iris") == "IrisModel"
    assert class_name_for("churn-predictor") == "ChurnPredictorModel"
    assert class_name_for("3d-model") == "M3dModel"


def test_package_name_is_importable() -> None:
    assert package_name_for("word-count") == "word_count"
    assert package_name_for("3d") == "model_3d"
    assert package_name_for("import") == "model_import"


def test_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(Conflict, match="not empty"):
        scaffold("x", dest=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_refuses_an_invalid_class_name(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not a valid Python class name"):
        scaffold("x", dest=tmp_path / "x", class_name="1Bad-Name")
