"""The Wallaroo adapter: a python step (a ``.py``, or a ``.zip`` of one with its helper modules
and requirements.txt), a BYOP zip, or a framework file.

``modelport build FILE --framework F [--input-schema S] [--output-schema S]`` uploads any of
them; the framework is detected from the file when not given (a zip is a BYOP model when its
modules mention ``InferenceBuilder``, else a python step when one defines an entry function).
The options reach the build step as its ``options`` (``formats.wallaroo.options``). A zip's
requirements.txt builds the model's environment; the build step of a python step or BYOP model
also makes the ``mac`` stand-in importable there (``mac_modules.install_path_file``).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from modelport.artifact.manifest import Manifest
from modelport.artifact.sources import collect_files
from modelport.errors import ConfigError
from modelport.formats.base import NO_OPTIONS, BuildOutput, ModelFormat, ProjectLayout
from modelport.formats.wallaroo import (
    estimators,
    keras_model,
    native_runtime,
    onnx_model,
    python_step,
    staging,
    torch_model,
)
from modelport.formats.wallaroo.byop import ByopServable, load_inference
from modelport.formats.wallaroo.framework_builds import (
    build_estimator,
    build_keras,
    build_onnx,
    build_output,
    build_torch,
    required_schemas,
)
from modelport.formats.wallaroo.framework_requirements import (
    PICKLE_SUFFIXES,
    is_saved_pipeline_zip,
    upload_requirements,
)
from modelport.formats.wallaroo.frameworks import supported_framework
from modelport.formats.wallaroo.hugging_face.build import build_hugging_face
from modelport.formats.wallaroo.hugging_face.kinds import kind_of
from modelport.formats.wallaroo.hugging_face.servable import HuggingFaceServable
from modelport.formats.wallaroo.hugging_face.signature import CONFIG, MODEL_INDEX
from modelport.formats.wallaroo.mac_modules import install_path_file
from modelport.formats.wallaroo.names import suggested_name
from modelport.formats.wallaroo.options import OPTION_NAMES, read_tensor_fields
from modelport.formats.wallaroo.schemas import read_schema
from modelport.schema import Signature
from modelport.servable import Servable

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from modelport.serving.conventions import Services
    from modelport.serving.models import ModelSet

FILE_SUFFIXES = (
    ".py",
    ".onnx",
    *PICKLE_SUFFIXES,
    *torch_model.SUFFIXES,
    *keras_model.KERAS_SUFFIXES,
)
_STEP_ENTRY = re.compile(r"^(async\s+)?def\s+(process_data|wallaroo_json)\s*\(", re.MULTILINE)
_STEP_ENTRY_BYTES = re.compile(_STEP_ENTRY.pattern.encode(), re.MULTILINE)


class WallarooFormat(ModelFormat):
    """Wallaroo model uploads: python steps, BYOP zips, ONNX, scikit-learn and XGBoost files."""

    name = "wallaroo"
    option_names = OPTION_NAMES

    def detect(self, path: Path) -> float:
        if not path.is_file():
            return 0.0
        suffix = path.suffix.lower()
        if suffix == ".py":
            return 0.9 if _STEP_ENTRY.search(path.read_text(errors="replace")) else 0.0
        if suffix in (".onnx", *torch_model.SUFFIXES, *keras_model.KERAS_SUFFIXES):
            return 0.9
        if suffix in PICKLE_SUFFIXES:
            return 0.5
        if suffix == ".zip" and zipfile.is_zipfile(path):
            if keras_model.is_saved_model_zip(path):
                return 0.8
            if _zip_mentions(path, b"InferenceBuilder", _STEP_ENTRY_BYTES):
                return 0.8
            return 0.6 if is_saved_pipeline_zip(path) else 0.0
        return 0.0

    def layout(self, path: Path, *, extra_folders: tuple[str, ...] = ()) -> ProjectLayout:
        path = path.resolve()
        if extra_folders:
            raise ConfigError(
                "a Wallaroo upload is one file; extra folders do not apply",
                hint="put artifacts in the BYOP zip's folder",
            )
        suffix = path.suffix.lower()
        if path.is_dir() and staging.staged_kind(path) is not None:
            root = path  # the build step reading the layout the build process staged
        elif path.is_file() and suffix == ".zip":
            root = staging.unpacked_folder(path)
        elif path.is_file() and suffix in FILE_SUFFIXES:
            root = staging.copied_folder(path)
        else:
            raise ConfigError(
                f"{path.name} is not a Wallaroo upload",
                hint="give a .py python step, a BYOP .zip, an .onnx file, a TorchScript .pt "
                "file, a Keras .keras/.h5 file, a SavedModel .zip, or a pickle/joblib file of "
                "a scikit-learn or XGBoost model",
                field=path.name,
            )
        return ProjectLayout(
            root=root,
            default_name=suggested_name(root.name),
            sources=tuple(collect_files(root, base=root)),
            dependency_root=root,
            requirements=upload_requirements(path),
        )

    def build_step(
        self,
        layout: ProjectLayout,
        out_dir: Path,
        *,
        sample: Any = None,
        options: Mapping[str, str] = NO_OPTIONS,
    ) -> BuildOutput:
        framework = options.get("framework")
        if framework is not None:
            framework = supported_framework(framework).name
        if framework == "mlflow":
            raise ConfigError(
                "an MLflow model is built by the mlflow convention, not the wallaroo one",
                hint="give --framework mlflow without --convention wallaroo",
                field="framework",
            )
        kind = _kind(layout, framework)
        if framework is not None and kind != "hugging-face":
            _check_kind(framework, kind)
        schemas = {
            side: read_schema(options[side], field=side)
            for side in ("input_schema", "output_schema")
            if options.get(side)
        }
        tensor_fields = options.get("tensor_fields")
        if tensor_fields is not None and kind != "onnx":
            raise ConfigError(
                "tensor_fields apply to ONNX models only",
                hint="leave tensor_fields out, or upload an .onnx file",
                field="tensor_fields",
            )
        runtime = options.get("runtime")
        if runtime is not None and kind not in ("pytorch", "estimator", "keras", "savedmodel"):
            raise ConfigError(
                "--runtime applies to PyTorch, scikit-learn, XGBoost, Keras and TensorFlow "
                "uploads, which are converted to ONNX where they can be",
                hint="leave --runtime out",
                field="runtime",
            )
        mode = native_runtime.read_runtime(runtime)
        if kind in ("custom", "python"):
            install_path_file()  # the developer's own harness imports mac there too
        if kind == "savedmodel":
            return build_keras(layout.root, schemas, framework or "tensorflow", mode, out_dir)
        if kind == "custom":
            return _build_custom(layout, schemas)
        if kind == "python":
            return _build_python(layout, schemas)
        if kind == "hugging-face":
            return build_hugging_face(layout, schemas, str(framework))
        file = _upload_file(layout)
        if kind == "onnx":
            fields = read_tensor_fields(tensor_fields) if tensor_fields is not None else None
            return build_onnx(layout.root / file, schemas, fields)
        if kind == "pytorch":
            return build_torch(layout.root / file, schemas, mode, out_dir)
        if kind == "keras":
            return build_keras(layout.root / file, schemas, "keras", mode, out_dir)
        return build_estimator(layout.root / file, schemas, framework, mode, out_dir)

    def load(self, root: Path, manifest: Manifest) -> Servable:
        source = root / "src"
        signature = Signature.from_dict(manifest.signature)
        metadata = dict(manifest.metadata)
        framework = metadata.get("framework")
        file = manifest.entry_point.split(":")[0]
        common: dict[str, Any] = {"name": manifest.name, "signature": signature}
        if metadata.get("runtime") == "onnx":
            return native_runtime.converted_servable(source, metadata=metadata, **common)
        if framework == "python":
            entry = python_step.load_step(source / file)
            return python_step.PythonStepServable(entry, metadata=metadata, **common)
        if framework == "custom":
            return ByopServable(source, metadata=metadata, **common)
        if kind_of(str(framework)) is not None:
            return HuggingFaceServable(source, metadata=metadata, **common)
        if framework == "onnx":
            return onnx_model.OnnxServable(source / file, metadata=metadata, **common)
        if framework == "pytorch":
            return torch_model.TorchServable(source / file, metadata=metadata, **common)
        if framework in ("keras", "tensorflow"):
            path = source if metadata.get("saved_model") else source / file
            return keras_model.KerasServable(path, metadata=metadata, **common)
        return estimators.EstimatorServable(source / file, metadata=metadata, **common)

    def routes(self, models: ModelSet, services: Services) -> list[BaseRoute]:
        from modelport.formats.wallaroo.routes import wallaroo_routes

        return wallaroo_routes(models)


def _build_custom(layout: ProjectLayout, schemas: dict[str, pa.Schema]) -> BuildOutput:
    signature = required_schemas(schemas, "custom")
    load_inference(layout.root)
    return build_output("custom", signature, {"framework": "custom"})


def _build_python(layout: ProjectLayout, schemas: dict[str, pa.Schema]) -> BuildOutput:
    if staging.staged_kind(layout.root) == "zip":
        file, entry = python_step.find_step(layout.root)
    else:
        file = _upload_file(layout)
        entry = python_step.load_step(layout.root / file)
    signature = required_schemas(schemas, "python")
    metadata = {"framework": "python", "entry": entry.name, "variant": entry.variant}
    return build_output(f"{file}:{entry.name}", signature, metadata)


def _upload_file(layout: ProjectLayout) -> str:
    """The one uploaded file of a staged python step or framework file."""
    return next(s for s in layout.sources if Path(s).suffix.lower() in FILE_SUFFIXES)


def _kind(layout: ProjectLayout, framework: str | None) -> str:
    if framework is not None and kind_of(framework) is not None:
        return "hugging-face"
    if framework is None and _is_saved_pipeline(layout.root):
        raise ConfigError(
            f"{layout.root.name}.zip holds a saved Hugging Face pipeline; its task is not saved "
            "with it",
            hint="give it: --framework hugging-face-<task> (`modelport frameworks` lists them)",
            field="framework",
        )
    if staging.staged_kind(layout.root) == "zip":
        if keras_model.is_saved_model_folder(layout.root):
            return "savedmodel"
        if framework == "python" or (framework is None and _is_zipped_step(layout.root)):
            return "python"
        return "custom"
    suffix = Path(_upload_file(layout)).suffix.lower()
    if suffix == ".py":
        return "python"
    if suffix == ".onnx":
        return "onnx"
    if suffix in torch_model.SUFFIXES:
        return "pytorch"
    if suffix in keras_model.KERAS_SUFFIXES:
        return "keras"
    return "estimator"


_KINDS = {
    "sklearn": ("estimator",),
    "xgboost": ("estimator",),
    "tensorflow": ("savedmodel",),
    "keras": ("keras", "savedmodel"),
}
"""The kinds of upload a framework takes, where they are not the framework's own name."""


def _check_kind(framework: str, kind: str) -> None:
    if kind not in _KINDS.get(framework, (framework,)):
        given = {
            "estimator": "a pickle/joblib file",
            "custom": "a zip",
            "savedmodel": "a SavedModel zip",
        }.get(kind, f"a {kind} file")
        raise ConfigError(
            f"--framework {framework} does not match the upload, which is {given}",
            hint="python takes a .py step (or a .zip of one), custom a BYOP .zip, onnx an .onnx "
            "file, pytorch a TorchScript .pt/.pth file, keras a .keras/.h5 file or a "
            "SavedModel .zip, tensorflow a SavedModel .zip, sklearn and xgboost a pickle or "
            "joblib file",
            field="framework",
        )


def _is_zipped_step(folder: Path) -> bool:
    """An unzipped folder whose modules define a step's entry and never mention InferenceBuilder
    (read, not run)."""
    texts = [source.read_text(errors="replace") for source in folder.glob("*.py")]
    if any("InferenceBuilder" in text for text in texts):
        return False
    return any(_STEP_ENTRY.search(text) for text in texts)


def _is_saved_pipeline(folder: Path) -> bool:
    """A folder ``save_pretrained`` wrote: a config.json (model_index.json) and no modules."""
    return (
        staging.staged_kind(folder) == "zip"
        and any((folder / name).is_file() for name in (CONFIG, MODEL_INDEX))
        and not any(folder.glob("*.py"))
    )


def _zip_mentions(path: Path, *patterns: bytes | re.Pattern[bytes]) -> bool:
    """A zip whose top-level-folder ``.py`` files hold one of ``patterns`` (read, not run)."""
    with zipfile.ZipFile(path) as archive:
        sources = [
            n for n in archive.namelist() if n.endswith(".py") and len(n.strip("/").split("/")) == 2
        ]
        texts = [archive.read(name) for name in sources]
    return any(
        (pattern in text) if isinstance(pattern, bytes) else pattern.search(text) is not None
        for pattern in patterns
        for text in texts
    )
