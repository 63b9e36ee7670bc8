"""The ``MLmodel`` file, read without MLflow: the flavors, the run, the signature, the files.

MLflow writes it as YAML beside the model's files. A model can be served here when it has the
``python_function`` flavor (every built-in flavor adds it); its ``signature`` holds the inputs
and outputs as JSON text (``signature.py`` reads them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from modelport.errors import ConfigError

MLMODEL = "MLmodel"
PYFUNC = "python_function"
MAX_MLMODEL_BYTES = 1 << 20
"""An MLmodel file is a few kilobytes; a larger one is refused before it is parsed."""


@dataclass(frozen=True)
class MLmodel:
    """What modelport reads of an MLmodel file."""

    path: Path
    flavors: dict[str, Any]
    run_id: str | None
    model_uuid: str | None
    mlflow_version: str | None
    signature: dict[str, Any] | None
    """``{"inputs": "<json>", "outputs": "<json>", "params": ...}`` as MLflow wrote it."""

    @property
    def loader_module(self) -> str | None:
        pyfunc = self.flavors.get(PYFUNC)
        return pyfunc.get("loader_module") if isinstance(pyfunc, dict) else None

    def metadata(self) -> dict[str, Any]:
        """What the registry keeps of it (the run id is also the version's lineage)."""
        found = {
            "framework": "mlflow",
            "flavors": sorted(self.flavors),
            "loader_module": self.loader_module,
            "mlflow_run_id": self.run_id,
            "mlflow_model_uuid": self.model_uuid,
            "mlflow_version": self.mlflow_version,
        }
        return {key: value for key, value in found.items() if value is not None}


def read_mlmodel(folder: Path) -> MLmodel:
    """The MLmodel file of the model in ``folder``; ConfigError naming the file when it is not
    one modelport can serve."""
    path = folder / MLMODEL
    if not path.is_file():
        raise ConfigError(
            f"{folder} holds no {MLMODEL} file",
            hint="give the folder mlflow.<flavor>.save_model wrote (or a zip of it)",
            field=MLMODEL,
        )
    if path.stat().st_size > MAX_MLMODEL_BYTES:
        raise ConfigError(
            f"{path} is over {MAX_MLMODEL_BYTES:,} bytes, not an MLmodel file",
            field=MLMODEL,
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path} is not valid YAML ({type(exc).__name__}: {exc})",
            hint="write it with MLflow (mlflow.<flavor>.save_model)",
            field=MLMODEL,
        ) from None
    flavors = data.get("flavors") if isinstance(data, dict) else None
    if not isinstance(flavors, dict) or not flavors:
        raise ConfigError(
            f"{path} names no flavors", hint="save the model with MLflow", field="flavors"
        )
    if PYFUNC not in flavors:
        raise ConfigError(
            f"the MLflow model has no {PYFUNC} flavor (only {', '.join(sorted(flavors))}), "
            "so mlflow.pyfunc cannot load it",
            hint="log it with a flavor that adds python_function, or wrap it in an "
            "mlflow.pyfunc.PythonModel",
            field="flavors",
        )
    signature = data.get("signature")
    return MLmodel(
        path=path,
        flavors=flavors,
        run_id=_text(data.get("run_id")),
        model_uuid=_text(data.get("model_uuid")),
        mlflow_version=_text(data.get("mlflow_version")),
        signature=signature if isinstance(signature, dict) else None,
    )


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
