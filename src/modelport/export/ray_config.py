"""A registered version as a Ray Serve config: ``modelport export --format ray -o DIR``.

The folder holds ``serve_config.yaml`` (the format ``serve deploy`` and ``serve run`` take: one
application whose ``import_path`` is modelport's Ray Serve application builder,
:data:`RAY_APP`, given the artifact's path as ``args``), the artifact (``model.zip``) and a wheel
of the modelport that exported it. The application's ``runtime_env`` installs the artifact's lock
and the wheel with pip. Ray's Serve config takes only remote URIs (or ``local://`` folders) as
``working_dir`` and ``py_modules``, so the config names the artifact and the wheel by their
absolute paths in the folder, which every node of the cluster must see at the same path: this
machine's own cluster, or a folder on a filesystem the nodes share.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from modelport.artifact.reader import open_artifact
from modelport.builder.modelport_wheel import ModelportInstall
from modelport.export import ExportOptions
from modelport.export.docker import ARTIFACT, PORT
from modelport.export.folder import export_folder
from modelport.export.locked_requirements import installable_lock

RAY_APP = "modelport.deploy.ray_app:app"
"""The Ray Serve application builder the config imports: ``app(args)`` with ``args``
``{"artifact": PATH, "name": NAME, "version": N, "digest": DIGEST}`` builds the application
serving the artifact at ``PATH``."""
RAY_DEPLOYMENT = "model"
"""The name of the one deployment the builder makes (the config sets its ``num_replicas``)."""
FILE_NAME = "serve_config.yaml"


def write_ray_config(artifact_path: Path, dest: Path, options: ExportOptions) -> None:
    """Write the Ray Serve config of the artifact at ``artifact_path`` into the folder ``dest``."""
    artifact = open_artifact(artifact_path)
    artifact.verify()
    lock = installable_lock(artifact.manifest, f"{options.name}:{options.version}")
    with export_folder(dest) as folder:
        wheel = ModelportInstall.current().wheel(folder / ".wheel")
        wheel.rename(folder / wheel.name)
        shutil.rmtree(folder / ".wheel")
        shutil.copyfile(artifact_path, folder / ARTIFACT)
        where = Path(dest).resolve()  # the folder's path once renamed into place
        config = serve_config(
            options,
            lock=lock,
            wheel=where / wheel.name,
            artifact=where / ARTIFACT,
            digest=artifact.digest,
        )
        (folder / FILE_NAME).write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def serve_config(
    options: ExportOptions, *, lock: list[str], wheel: Path, artifact: Path, digest: str
) -> dict[str, Any]:
    """The ``serve deploy`` config of one application serving the artifact at ``artifact`` with
    the packages of ``lock`` and modelport's ``wheel``."""
    return {
        "proxy_location": "EveryNode",
        "http_options": {"host": "0.0.0.0", "port": PORT},
        "applications": [
            {
                "name": options.name,
                "route_prefix": "/",
                "import_path": RAY_APP,
                "args": {
                    "artifact": str(artifact),
                    "name": options.name,
                    "version": options.version,
                    "digest": digest,
                },
                "runtime_env": {"pip": [*lock, str(wheel)]},
                "deployments": [{"name": RAY_DEPLOYMENT, "num_replicas": options.replicas}],
            }
        ],
    }
