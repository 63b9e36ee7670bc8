"""Upload a model version from a connected MLflow registry: download, build, register.

What Wallaroo's ``upload_from_registry`` does, done by modelport's own builder: the version's
files are downloaded from the registry's artifact proxy into a scratch folder, built with the
convention its ``framework`` names (``mlflow``: the MLflow convention, served through
mlflow.pyfunc; a framework of one of the model's flavors, such as ``sklearn``: the Wallaroo
convention, on that flavor's model file), and registered in the workspace, with the registry's
url, the source and the MLflow run id in the version's lineage. Any failure before the last
step registers nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from modelport.builder.build import BuildOptions, build_project
from modelport.builder.progress import Progress
from modelport.builder.scratch import owned_folder
from modelport.connections.mlflow_client import MlflowRegistry
from modelport.connections.store import RegistryConnections
from modelport.errors import ConfigError, InvalidInput
from modelport.formats.mlflow.mlmodel import read_mlmodel
from modelport.formats.wallaroo.frameworks import supported_framework
from modelport.formats.wallaroo.names import check_dns_name
from modelport.registry.entities import ModelVersion
from modelport.registry.store import RegistryStore
from modelport.settings import Settings

MLFLOW = "mlflow"
MODEL_FILE_KEYS = ("pickled_model", "model_path", "data")
"""Where a flavor of an MLmodel names its model file (sklearn, pyfunc, xgboost...)."""


@dataclass(frozen=True)
class Conversion:
    """Wallaroo's ``conversion``: how the uploaded model is built."""

    framework: str
    python_version: str | None = None
    """The Python the model was made with; recorded (modelport builds with its own)."""
    requirements: Sequence[str] = field(default_factory=tuple)
    """More requirements for the model's environment, added to those it was logged with."""
    input_schema: str | None = None
    """base64 of ``pyarrow.Schema.serialize()``."""
    output_schema: str | None = None


def upload_from_registry(
    *,
    connections: RegistryConnections,
    store: RegistryStore,
    settings: Settings,
    registry_id: str,
    source: str,
    name: str,
    conversion: Conversion,
    workspace: str,
    progress: Progress | None = None,
) -> ModelVersion:
    """Build the model version at ``source`` (a version's ``source`` from the registry's
    model list, e.g. ``models:/m-<id>``, or ``models:/<name>/<version>``) of the registry
    ``registry_id`` and register it as ``name`` in ``workspace``."""
    check_dns_name(name)
    framework = supported_framework(conversion.framework).name
    connection = connections.check_attached(connection_id=registry_id, workspace=workspace)
    token = connections.token(connection_id=registry_id)
    if not isinstance(source, str) or not source.strip():
        raise InvalidInput(
            "path names no model",
            hint="give a version's source from list_registry_models (models:/...)",
            field="path",
        )
    with owned_folder("modelport-build-") as work, MlflowRegistry(connection.url, token) as mlflow:
        found = mlflow.source(source.strip())
        folder = work / "model"
        mlflow.download(found.artifact_uri, folder, max_bytes=settings.max_artifact_bytes)
        _add_requirements(folder, conversion.requirements)
        target, format_name, options = _build_target(folder, framework, conversion)
        lineage = {"registry_url": connection.url, "registry_source": source.strip()}
        run_id = found.run_id or read_mlmodel(folder).run_id
        if run_id:
            lineage["mlflow_run_id"] = str(run_id)
        if conversion.python_version:
            lineage["python_version_requested"] = str(conversion.python_version)
        result = build_project(
            target,
            store=store,
            settings=settings,
            options=BuildOptions(
                name=name, format=format_name, workspace=workspace, lineage=lineage
            ),
            format_options=options,
            progress=progress,
        )
    return result.version


def _build_target(
    folder: Path, framework: str, conversion: Conversion
) -> tuple[Path, str, dict[str, str]]:
    """What to build, with which convention and options."""
    options = {
        key: value
        for key, value in (
            ("input_schema", conversion.input_schema),
            ("output_schema", conversion.output_schema),
        )
        if value
    }
    if framework == MLFLOW:
        return folder, MLFLOW, options
    flavor = read_mlmodel(folder).flavors.get(framework)
    file = next(
        (flavor[k] for k in MODEL_FILE_KEYS if isinstance(flavor, dict) and k in flavor), None
    )
    if not isinstance(file, str) or not (folder / file).is_file():
        raise ConfigError(
            f"the MLflow model has no {framework} flavor file to upload as a {framework} model",
            hint="give conversion.framework mlflow to serve it through mlflow.pyfunc",
            field="conversion.framework",
        )
    return folder / file, "wallaroo", {"framework": framework, **options}


def _add_requirements(folder: Path, extra: Sequence[str]) -> None:
    if isinstance(extra, str) or not all(isinstance(line, str) for line in extra):
        raise InvalidInput(
            "conversion.requirements must be a list of requirement strings",
            hint='e.g. ["scikit-learn==1.5.2"], or [] for none',
            field="conversion.requirements",
        )
    lines = [line.strip() for line in extra if line.strip()]
    if not lines:
        return
    path = folder / "requirements.txt"
    existing = path.read_text() if path.is_file() else ""
    path.write_text(existing.rstrip("\n") + "\n" + "\n".join(lines) + "\n")
