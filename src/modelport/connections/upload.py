"""Upload a model version from a connected MLflow registry: download, build, register.

What Wallaroo's ``upload_from_registry`` does, done by modelport's own builder: the version's
files are downloaded from the registry's artifact proxy into a scratch folder, built with the
MLflow convention (served through mlflow.pyfunc, whose loader is the flavor's own) when its
``framework`` is ``mlflow`` or one of the flavors the model was logged with (``sklearn``,
``xgboost``...), and registered in the workspace, with the registry's
url, the source and the MLflow run id in the version's lineage. Any failure before the last
step registers nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from modelport.builder.build import build_project
from modelport.builder.build_options import BuildOptions
from modelport.builder.progress import Progress
from modelport.builder.scratch import owned_folder
from modelport.connections.mlflow_client import MlflowRegistry
from modelport.connections.store import RegistryConnections
from modelport.errors import ConfigError, InvalidInput
from modelport.formats.mlflow.mlmodel import read_mlmodel
from modelport.formats.wallaroo.names import check_dns_name
from modelport.registry.entities import ModelVersion
from modelport.registry.store import RegistryStore
from modelport.settings import Settings

MLFLOW = "mlflow"


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
    framework = conversion.framework.strip().lower()
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
        _check_framework(folder, framework)
        schemas = {
            "input_schema": conversion.input_schema,
            "output_schema": conversion.output_schema,
        }
        lineage = {"registry_url": connection.url, "registry_source": source.strip()}
        run_id = found.run_id or read_mlmodel(folder).run_id
        if run_id:
            lineage["mlflow_run_id"] = str(run_id)
        if conversion.python_version:
            lineage["python_version_requested"] = str(conversion.python_version)
        result = build_project(
            folder,
            store=store,
            settings=settings,
            options=BuildOptions(name=name, format=MLFLOW, workspace=workspace, lineage=lineage),
            format_options={key: value for key, value in schemas.items() if value},
            progress=progress,
        )
    return result.version


def _check_framework(folder: Path, framework: str) -> None:
    """``mlflow``, or a flavor the model was logged with (``sklearn`` for an MLflow
    scikit-learn model): either way mlflow.pyfunc serves it, with that flavor's own loader."""
    flavors = read_mlmodel(folder).flavors
    if framework != MLFLOW and framework not in flavors:
        raise ConfigError(
            f"conversion.framework {framework!r} is not a flavor of this MLflow model "
            f"(it has {', '.join(sorted(flavors))})",
            hint="give framework mlflow, or the flavor the model was logged with",
            field="conversion.framework",
        )


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
