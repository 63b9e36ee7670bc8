"""A registered version as a KServe ``InferenceService``: ``modelport export --format kserve``.

The resource (``serving.kserve.io/v1beta1``) runs a custom predictor: one container from the
image ``--image`` names (the one ``--format docker`` builds), speaking the Open Inference
Protocol V2 on the port the image exposes, with readiness and liveness
probes on V2's ready and live routes and the resources ``--cpu`` and ``--memory`` ask for (as
requests and as limits: the pod gets what it asks for and no more). It is written to
``inference-service.yaml`` in the output folder, for ``kubectl apply -f``.

A custom predictor declares its protocol with the environment variable ``PROTOCOL`` of its
first container (``v1`` or ``v2``; KServe's controller validates it and defaults to ``v1``):
``protocolVersion`` is a field of a model spec (``predictor.model``, a serving runtime's
frameworks), not of a predictor given as containers, and KServe's schema refuses it there.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from modelport.artifact.reader import open_artifact
from modelport.errors import ConfigError
from modelport.export import ExportOptions
from modelport.export.docker import LIVE_ROUTE, PORT, READY_ROUTE
from modelport.export.folder import export_folder

FILE_NAME = "inference-service.yaml"
API_VERSION = "serving.kserve.io/v1beta1"
PROTOCOL = "v2"
"""What the ``PROTOCOL`` variable tells KServe the container speaks."""
CONTAINER = "kserve-container"
"""The name KServe gives (and expects of) a custom predictor's serving container."""
_DNS_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_QUANTITY = re.compile(r"(\d+(\.\d+)?|\.\d+)([KMGTPE]i?|[numkMGTPE])?")


def write_inference_service(artifact_path: Path, dest: Path, options: ExportOptions) -> None:
    """Write the InferenceService of the artifact at ``artifact_path`` into the folder ``dest``."""
    if not options.image:
        raise ConfigError(
            "--format kserve needs --image: the container image the predictor runs",
            hint="Build one with `modelport export NAME:V --format docker -o DIR` and "
            "`docker build -t REGISTRY/NAME:TAG DIR`, push it, then pass --image "
            "REGISTRY/NAME:TAG.",
            field="--image",
        )
    open_artifact(artifact_path).verify()
    document = inference_service(options)
    with export_folder(dest) as folder:
        text = yaml.safe_dump(document, sort_keys=False)
        (folder / FILE_NAME).write_text(text, encoding="utf-8")


def inference_service(options: ExportOptions) -> dict[str, Any]:
    """The InferenceService serving ``options.name`` from ``options.image``."""
    name = resource_name(options.name)
    for flag, quantity in (("--cpu", options.cpu), ("--memory", options.memory)):
        if not _QUANTITY.fullmatch(quantity):
            raise ConfigError(
                f"{flag} {quantity!r} is not a Kubernetes quantity",
                hint="Write it as Kubernetes does: 500m or 2 CPUs, 512Mi or 4Gi of memory.",
                field=flag,
            )
    resources = {"cpu": options.cpu, "memory": options.memory}
    return {
        "apiVersion": API_VERSION,
        "kind": "InferenceService",
        "metadata": {
            "name": name,
            "labels": {"modelport/model": name, "modelport/version": str(options.version)},
        },
        "spec": {
            "predictor": {
                "minReplicas": options.replicas,
                "containers": [
                    {
                        "name": CONTAINER,
                        "image": options.image,
                        "args": ["--host", "0.0.0.0", "--port", str(PORT)],
                        "env": [{"name": "PROTOCOL", "value": PROTOCOL}],
                        "ports": [{"containerPort": PORT, "name": "http1", "protocol": "TCP"}],
                        "readinessProbe": _probe(READY_ROUTE, initial_delay=5),
                        "livenessProbe": _probe(LIVE_ROUTE, initial_delay=30),
                        "resources": {"requests": resources, "limits": dict(resources)},
                    }
                ],
            }
        },
    }


def resource_name(model: str) -> str:
    """``model`` as a Kubernetes resource name (a DNS label: lowercase letters, digits, '-')."""
    name = re.sub(r"[^a-z0-9-]+", "-", model.lower()).strip("-")[:63].rstrip("-")
    if not _DNS_LABEL.fullmatch(name):
        raise ConfigError(
            f"the model name {model!r} cannot be a Kubernetes resource name",
            hint="Export a model whose name starts with a letter.",
            field="NAME",
        )
    return name


def _probe(path: str, *, initial_delay: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": PORT},
        "initialDelaySeconds": initial_delay,
        "periodSeconds": 10,
        "timeoutSeconds": 5,
        "failureThreshold": 3,
    }
