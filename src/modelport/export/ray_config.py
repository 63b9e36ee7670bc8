"""A registered version as a Ray Serve config: ``modelport export --format ray -o DIR``.

The folder holds ``serve_config.yaml`` (the format ``serve deploy`` and ``serve run`` take: one
application whose ``import_path`` is modelport's Ray Serve application builder,
:data:`RAY_APP`, given the artifact's path as ``args``), the artifact (``model.zip``) and a wheel
of the modelport that exported it. The application's ``runtime_env`` installs the artifact's
lock with pip and the wheel as a module, and its ``working_dir`` is the folder itself: run
``serve deploy serve_config.yaml`` (or ``serve run``) from the folder, which Ray uploads to the
cluster; for a cluster that cannot reach this machine, zip the folder somewhere it can and point
``working_dir`` there.
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
serving the artifact at ``PATH`` (relative to the working directory)."""
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
        config = serve_config(options, lock=lock, wheel=wheel.name, digest=artifact.digest)
        (folder / FILE_NAME).write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def serve_config(
    options: ExportOptions, *, lock: list[str], wheel: str, digest: str
) -> dict[str, Any]:
    """The ``serve deploy`` config of one application serving ``options.name``."""
    return {
        "proxy_location": "EveryNode",
        "http_options": {"host": "0.0.0.0", "port": PORT},
        "applications": [
            {
                "name": options.name,
                "route_prefix": "/",
                "import_path": RAY_APP,
                "args": {
                    "artifact": ARTIFACT,
                    "name": options.name,
                    "version": options.version,
                    "digest": digest,
                },
                "runtime_env": {
                    "working_dir": ".",
                    "pip": lock,
                    "py_modules": [wheel],
                },
                "deployments": [{"name": RAY_DEPLOYMENT, "num_replicas": options.replicas}],
            }
        ],
    }
