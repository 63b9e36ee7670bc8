"""``modelport export --format kserve``: the InferenceService validates against KServe's own
OpenAPI definitions, as its Python SDK (the ``kserve`` package on PyPI) ships them in its
generated models, with the Kubernetes types they use from the ``kubernetes`` package (both
installed from the package index without their dependencies, read, never imported)."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from uv import find_uv_bin

from .cli import run_cli
from .openapi_models import json_schema, read_models

pytestmark = pytest.mark.slow

KSERVE = "kserve==0.21.0"
KUBERNETES = "kubernetes==32.0.1"
"""A Kubernetes client whose models are generated as KServe's are (later ones are pydantic
classes); KServe's SDK takes any from 23.3 on."""


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    target = tmp_path_factory.mktemp("openapi-models")
    installed = subprocess.run(
        [find_uv_bin(), "pip", "install", "--no-deps", "--target", str(target), KSERVE, KUBERNETES],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    models = read_models(target / "kserve" / "models", target / "kubernetes" / "client" / "models")
    return json_schema(models, "V1beta1InferenceService")


@pytest.fixture(scope="module")
def service(
    project_factory: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("kserve-export")
    home = work / "home"
    built = run_cli("build", str(project_factory(work / "echo")), "--env", "inherit", home=home)
    assert built.code == 0, built.stderr
    out = work / "kserve"
    exported = run_cli(
        "export", "echo:1", "--format", "kserve", "-o", str(out),
        "--image", "registry.example/echo:1", "--cpu", "250m", "--memory", "512Mi",
        home=home,
    )  # fmt: skip
    assert exported.code == 0, exported.stderr
    document: dict[str, Any] = yaml.safe_load((out / "inference-service.yaml").read_text())
    return document


def test_the_inference_service_validates_against_kserves_definitions(
    schema: dict[str, Any], service: dict[str, Any]
) -> None:
    assert "V1Container" in schema["$defs"] and "V1Probe" in schema["$defs"]
    jsonschema.Draft202012Validator(schema).validate(service)
    [container] = service["spec"]["predictor"]["containers"]
    assert container["resources"]["requests"] == {"cpu": "250m", "memory": "512Mi"}


def test_the_schema_refuses_what_kserve_would(
    schema: dict[str, Any], service: dict[str, Any]
) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    misspelt = copy.deepcopy(service)
    container = misspelt["spec"]["predictor"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    assert not validator.is_valid(misspelt)
    unnamed = copy.deepcopy(service)
    del unnamed["spec"]["predictor"]["containers"][0]["name"]  # required of every container
    assert not validator.is_valid(unnamed)
    wrong_type = copy.deepcopy(service)
    wrong_type["spec"]["predictor"]["minReplicas"] = "one"
    assert not validator.is_valid(wrong_type)
