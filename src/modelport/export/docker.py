"""A registered version as a Docker build context: ``modelport export --format docker -o DIR``.

The folder holds the artifact (``model.zip``), its lock (``requirements.lock``), a wheel of the
modelport that exported it (made from the installed package's files, as model environments get
it: ``builder/modelport_wheel.py``, so a pip-installed modelport exports as well as a source
checkout, and the image runs the same code), a ``.dockerignore`` that lets nothing else in, and
a ``Dockerfile`` that installs them into a virtualenv on a slim Python image of the artifact's
Python version, checks and unpacks the artifact, and serves it as a non-root user with
``python -m modelport.serving`` (the process ``modelport serve`` becomes once it has found the
model: no registry, build or command-line code in the image), a health check on the Open
Inference V2 readiness route and the port exposed. Options after the image's name in
``docker run IMAGE ...`` replace the default ``--host 0.0.0.0 --port 8080``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import modelport
from modelport.artifact.reader import open_artifact
from modelport.builder.modelport_wheel import ModelportInstall
from modelport.export import ExportOptions
from modelport.export.folder import export_folder
from modelport.export.locked_requirements import installable_lock

PORT = 8080
"""The port the image serves on (``EXPOSE``, the health check, the default command)."""
READY_ROUTE = "/v2/health/ready"
LIVE_ROUTE = "/v2/health/live"
ARTIFACT = "model.zip"
LOCK = "requirements.lock"
VENV = "/opt/model-env"
"""Where the image's virtualenv lives."""
WORKDIR = "/srv/model"
"""The image's working folder: the context's files, and the unpacked model (``model/``)."""
HOME = "/tmp/modelport"
"""MODELPORT_HOME in the image: writable by its user."""
USER_ID = 10001
DEFAULT_BASE = "python:{python}-slim-bookworm"


def write_docker_context(artifact_path: Path, dest: Path, options: ExportOptions) -> None:
    """Write the build context of the artifact at ``artifact_path`` into the folder ``dest``."""
    artifact = open_artifact(artifact_path)
    artifact.verify()
    manifest = artifact.manifest
    lock = installable_lock(manifest, f"{options.name}:{options.version}")
    install = ModelportInstall.current()
    with export_folder(dest) as folder:
        wheel = install.wheel(folder / ".wheel")
        wheel.rename(folder / wheel.name)
        shutil.rmtree(folder / ".wheel")
        shutil.copyfile(artifact_path, folder / ARTIFACT)
        (folder / LOCK).write_text("\n".join(lock) + "\n", encoding="utf-8")
        base = options.base_image or DEFAULT_BASE.format(python=manifest.python_version)
        dockerfile = render_dockerfile(
            base=base, wheel=wheel.name, options=options, digest=artifact.digest
        )
        (folder / "Dockerfile").write_text(dockerfile, encoding="utf-8")
        (folder / ".dockerignore").write_text(
            "\n".join(["*", *(f"!{name}" for name in ("Dockerfile", LOCK, wheel.name, ARTIFACT))])
            + "\n",
            encoding="utf-8",
        )


def render_dockerfile(*, base: str, wheel: str, options: ExportOptions, digest: str) -> str:
    """The Dockerfile serving the context's artifact from the image ``base``."""
    probe = (
        "import urllib.request; "
        f"urllib.request.urlopen('http://127.0.0.1:{PORT}{READY_ROUTE}', timeout=4)"
    )
    serving = [
        "python", "-m", "modelport.serving", "model",
        "--name", options.name, "--version", str(options.version), "--digest", digest,
    ]  # fmt: skip
    python = f"{VENV}/bin/python"
    return f"""\
# {options.name}:{options.version} ({digest}), exported by modelport {modelport.__version__}.
# Build: docker build -t IMAGE .   Run: docker run -p {PORT}:{PORT} IMAGE
FROM {base}

ENV PYTHONUNBUFFERED=1 \\
    PYTHONDONTWRITEBYTECODE=1 \\
    PIP_NO_CACHE_DIR=1 \\
    PIP_DISABLE_PIP_VERSION_CHECK=1 \\
    VIRTUAL_ENV={VENV} \\
    PATH={VENV}/bin:$PATH \\
    MODELPORT_HOME={HOME}

RUN useradd --system --no-create-home --shell /usr/sbin/nologin --uid {USER_ID} modelport
WORKDIR {WORKDIR}

# the model's locked environment, then modelport itself (its runtime dependencies are in the lock)
COPY {LOCK} ./
RUN python3 -m venv {VENV} && {python} -m pip install --requirement {LOCK}
COPY {wheel} ./
RUN {python} -m pip install --no-deps {wheel} && {python} -m compileall -q {VENV}/lib

# the artifact, every file checked against its manifest's sha256 as it is unpacked
COPY {ARTIFACT} ./
RUN {python} -m modelport.export.unpack {ARTIFACT} model

USER {USER_ID}

EXPOSE {PORT}
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \\
    CMD {json.dumps(["python", "-c", probe])}
ENTRYPOINT {json.dumps(serving)}
CMD {json.dumps(["--host", "0.0.0.0", "--port", str(PORT)])}
"""
