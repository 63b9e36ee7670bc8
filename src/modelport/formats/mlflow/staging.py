"""An MLflow model given as a zip: extracted once per file digest into a folder of its own, so
the build process and the build step (which both read the layout) see the same files."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from modelport.artifact.uploads import extract_upload
from modelport.errors import ArtifactError, ConfigError
from modelport.formats.mlflow.mlmodel import MLMODEL
from modelport.settings import get_settings

STAGING_ROOT = Path(tempfile.gettempdir()) / "modelport-mlflow"


def zipped_model_folder(names: list[str]) -> str | None:
    """Where the MLmodel file of a zip with these member names sits: ``""`` at the top, the
    folder's name when the zip holds one folder; None when it holds no model."""
    for name in names:
        parts = PurePosixPath(name).parts
        if parts and parts[-1] == MLMODEL and len(parts) <= 2:
            return "" if len(parts) == 1 else parts[0]
    return None


def unpacked_model(zip_path: Path) -> Path:
    """The folder holding the zip's MLmodel, extracted; ArtifactError for an unsafe zip."""
    if not zipfile.is_zipfile(zip_path):
        raise ArtifactError(
            f"{zip_path.name} is not a zip file",
            hint="zip the model folder, e.g. `zip -r model.zip model/`",
            field=zip_path.name,
        )
    with zipfile.ZipFile(zip_path) as archive:
        folder = zipped_model_folder(archive.namelist())
    if folder is None:
        raise ConfigError(
            f"{zip_path.name} holds no {MLMODEL} file at its top or in its one folder",
            hint="zip the folder mlflow.<flavor>.save_model wrote",
            field=zip_path.name,
        )
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()[:32]
    dest = STAGING_ROOT / digest
    if not dest.is_dir():
        STAGING_ROOT.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="staging-", dir=STAGING_ROOT))
        try:
            extract_upload(zip_path, work, max_bytes=get_settings().max_artifact_bytes)
            work.rename(dest)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            if not dest.is_dir():
                raise
    return dest / folder if folder else dest
