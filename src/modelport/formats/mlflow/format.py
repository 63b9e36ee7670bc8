"""The MLflow adapter: a folder holding an ``MLmodel`` file (or a zip of one), as
``mlflow.<flavor>.save_model`` or a run's logged model writes it.

``modelport build DIR_OR_ZIP`` detects it by its MLmodel file; ``--framework mlflow`` (a
Wallaroo-style upload, with ``--input-schema``/``--output-schema`` when the model has no
signature or another is wanted) names it. The environment is built from the model's own
requirements.txt (else python_env.yaml, else conda.yaml), which names mlflow: the build step
there loads the model with ``mlflow.pyfunc.load_model`` to prove it loads, and the server
serves it the same way (``servable.py``).
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from modelport.artifact.manifest import Manifest
from modelport.artifact.sources import collect_files
from modelport.dependencies import DependencyFile, DependencyKind
from modelport.errors import ConfigError
from modelport.formats.base import NO_OPTIONS, BuildOutput, ModelFormat, ProjectLayout
from modelport.formats.mlflow.mlmodel import MLMODEL, read_mlmodel
from modelport.formats.mlflow.servable import MlflowServable, load_pyfunc
from modelport.formats.mlflow.signature import is_tensor_signature, read_signature
from modelport.formats.mlflow.staging import unpacked_model, zipped_model_folder
from modelport.formats.project import default_model_name
from modelport.formats.schema_sources import read_schema
from modelport.schema import Signature, signature_from_arrow
from modelport.schema_inference import infer_signature
from modelport.servable import Servable

OPTION_NAMES = frozenset({"framework", "input_schema", "output_schema"})
ENVIRONMENT_FILES: tuple[tuple[str, DependencyKind], ...] = (
    ("requirements.txt", "requirements"),
    ("python_env.yaml", "python_env"),
    ("conda.yaml", "conda"),
)
"""The files MLflow writes beside a model, in the order one is chosen to build its
environment: requirements.txt is what the other two name too."""


class MlflowFormat(ModelFormat):
    """MLflow models (any flavor with ``python_function``), served through mlflow.pyfunc."""

    name = "mlflow"
    option_names = OPTION_NAMES

    def detect(self, path: Path) -> float:
        if path.is_dir():
            return 0.95 if (path / MLMODEL).is_file() else 0.0
        if path.name == MLMODEL:
            return 0.95
        if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return 0.9 if zipped_model_folder(archive.namelist()) is not None else 0.0
        return 0.0

    def layout(self, path: Path, *, extra_folders: tuple[str, ...] = ()) -> ProjectLayout:
        path = path.resolve()
        if extra_folders:
            raise ConfigError(
                "an MLflow model is one folder; extra folders do not apply",
                hint="log the files with the model (code_paths or artifacts)",
            )
        if path.is_file() and path.name == MLMODEL:
            root = path.parent
        elif path.is_file():
            root = unpacked_model(path)
        else:
            root = path
        read_mlmodel(root)  # a clear error now for a folder that is no MLflow model
        return ProjectLayout(
            root=root,
            default_name=default_model_name(root),
            sources=tuple(collect_files(root, base=root)),
            dependency_root=root,
            dependency_file=_environment_file(root),
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
        if framework is not None and framework.lower() != "mlflow":
            raise ConfigError(
                f"framework {framework!r} is not an MLflow model's",
                hint="give --framework mlflow, or leave it out for an MLflow model folder",
                field="framework",
            )
        mlmodel = read_mlmodel(layout.root)
        signature, notes = _signature(mlmodel.signature, options, sample)
        load_pyfunc(layout.root)  # proves the environment can load it, before it is packaged
        metadata = mlmodel.metadata()
        metadata["mlflow_inputs"] = (
            "tensors" if is_tensor_signature(mlmodel.signature) else "columns"
        )
        return BuildOutput(
            entry_point=MLMODEL,
            signature=signature.to_dict(),
            metadata=metadata,
            notes=notes,
            record={"mlflow_run_id": mlmodel.run_id} if mlmodel.run_id else {},
        )

    def load(self, root: Path, manifest: Manifest) -> Servable:
        metadata = dict(manifest.metadata)
        return MlflowServable(
            root / "src",
            name=manifest.name,
            signature=Signature.from_dict(manifest.signature),
            metadata=metadata,
            takes_tensors=metadata.get("mlflow_inputs") == "tensors",
        )


def _environment_file(root: Path) -> DependencyFile | None:
    for name, kind in ENVIRONMENT_FILES:
        if (root / name).is_file():
            return DependencyFile(kind, root / name)
    return None


def _signature(
    logged: dict[str, Any] | None, options: Mapping[str, str], sample: Any
) -> tuple[Signature, list[str]]:
    """The given schemas, else the MLmodel's signature, else one read off ``--sample``, else
    free-form (the model then gets the columns it is sent)."""
    given = {
        side: read_schema(options[side], field=side)
        for side in ("input_schema", "output_schema")
        if options.get(side)
    }
    if len(given) == 1:
        missing = "--output-schema" if "input_schema" in given else "--input-schema"
        raise ConfigError(
            f"give both schemas or neither; {missing} is missing",
            hint="the model's own signature is used when neither is given",
            field=missing.strip("-").replace("-", "_"),
        )
    if given:
        return signature_from_arrow(given["input_schema"], given["output_schema"]), [
            "signature: the schemas given"
        ]
    if logged and logged.get("inputs"):
        return read_signature(logged), ["signature: the MLmodel's"]
    if sample is not None:
        return infer_signature(sample), ["signature: inferred from --sample (MLmodel has none)"]
    return Signature.free(), [
        "warning: the MLmodel has no signature and no --sample was given: requests are passed "
        "to the model unchecked"
    ]
