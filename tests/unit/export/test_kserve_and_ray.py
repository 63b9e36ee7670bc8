"""``modelport export --format kserve`` and ``--format ray``: what the resource and the config
say, and the errors for what they cannot be written without. (The InferenceService is checked
against KServe's own OpenAPI definitions in tests/integration/test_kserve_export.py.)"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
import yaml

import modelport
from modelport.errors import ConfigError
from modelport.export.kserve import resource_name
from modelport.export.ray_config import RAY_APP, RAY_DEPLOYMENT

from ..cli.conftest import Invoke
from .conftest import LOCK, Registered


def _service(invoke: Invoke, out: Path, *args: str) -> dict[str, Any]:
    result = invoke("export", "iris:1", "--format", "kserve", "-o", str(out), *args)
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["inference-service.yaml"]
    document: dict[str, Any] = yaml.safe_load((out / "inference-service.yaml").read_text())
    return document


def test_an_inference_service_runs_the_image_on_v2_with_probes(
    invoke: Invoke, registered: Registered, tmp_path: Path
) -> None:
    registered()
    service = _service(invoke, tmp_path / "k", "--image", "registry.example/iris:1")
    assert (service["apiVersion"], service["kind"]) == (
        "serving.kserve.io/v1beta1",
        "InferenceService",
    )
    assert service["metadata"]["name"] == "iris"
    predictor = service["spec"]["predictor"]
    assert "protocolVersion" not in predictor  # a model spec's field, not a custom predictor's
    assert predictor["minReplicas"] == 1
    [container] = predictor["containers"]
    assert container["image"] == "registry.example/iris:1"
    assert container["env"] == [{"name": "PROTOCOL", "value": "v2"}]  # how KServe learns it
    assert container["ports"][0]["containerPort"] == 8080
    assert container["readinessProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": 8080}
    assert container["livenessProbe"]["httpGet"] == {"path": "/v2/health/live", "port": 8080}
    assert container["resources"] == {
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"cpu": "1", "memory": "2Gi"},
    }


def test_resources_and_replicas_come_from_the_flags(
    invoke: Invoke, registered: Registered, tmp_path: Path
) -> None:
    registered()
    service = _service(
        invoke, tmp_path / "k", "--image", "i:1", "--cpu", "500m", "--memory", "512Mi",
        "--replicas", "3",
    )  # fmt: skip
    predictor = service["spec"]["predictor"]
    assert predictor["minReplicas"] == 3
    assert predictor["containers"][0]["resources"]["limits"] == {"cpu": "500m", "memory": "512Mi"}


def test_the_image_is_required(invoke: Invoke, registered: Registered, tmp_path: Path) -> None:
    registered()
    result = invoke("export", "iris:1", "--format", "kserve", "-o", str(tmp_path / "k"))
    assert isinstance(result.exception, ConfigError)
    assert result.exception.field == "--image"
    assert "--format docker" in str(result.exception)
    assert not (tmp_path / "k").exists()


def test_a_quantity_kubernetes_would_refuse_is_named(
    invoke: Invoke, registered: Registered, tmp_path: Path
) -> None:
    registered()
    result = invoke(
        "export", "iris:1", "--format", "kserve", "-o", str(tmp_path / "k"),
        "--image", "i:1", "--memory", "2 GB",
    )  # fmt: skip
    assert isinstance(result.exception, ConfigError)
    assert result.exception.field == "--memory"


@pytest.mark.parametrize(
    ("model", "name"),
    [("iris", "iris"), ("Churn_Model.v2", "churn-model-v2"), ("a" * 70, "a" * 63)],
)
def test_model_names_become_dns_labels(model: str, name: str) -> None:
    assert resource_name(model) == name


def test_a_name_without_a_letter_first_is_refused() -> None:
    with pytest.raises(ConfigError, match="Kubernetes resource name"):
        resource_name("__")


def _ray_config(invoke: Invoke, out: Path, *args: str) -> dict[str, Any]:
    result = invoke("export", "iris:1", "--format", "ray", "-o", str(out), *args)
    assert result.exit_code == 0, result.output
    config: dict[str, Any] = yaml.safe_load((out / "serve_config.yaml").read_text())
    return config


def test_a_ray_config_imports_modelports_app_with_the_lock(
    invoke: Invoke, registered: Registered, tmp_path: Path
) -> None:
    version = registered()
    out = tmp_path / "ray"
    config = _ray_config(invoke, out, "--replicas", "2")
    [application] = config["applications"]
    assert application["import_path"] == RAY_APP == "modelport.deploy.ray_app:app"
    assert application["args"] == {
        "artifact": str(out.resolve() / "model.zip"),
        "name": "iris",
        "version": 1,
        "digest": version.digest,
    }
    wheel = out.resolve() / f"modelport-{modelport.__version__}-py3-none-any.whl"
    # the lock, then modelport's wheel by its path: a Serve config's runtime_env takes no local
    # working_dir or py_modules
    assert application["runtime_env"] == {
        "pip": [*(line for line in LOCK if not line.startswith("modelport==")), str(wheel)]
    }
    assert wheel.is_file() and (out / "model.zip").is_file()
    assert application["deployments"] == [{"name": RAY_DEPLOYMENT, "num_replicas": 2}]
    assert RAY_DEPLOYMENT == "model"  # the deployment modelport.deploy.ray_app's builder makes


def test_the_ray_config_is_a_serve_deploy_schema(
    invoke: Invoke, registered: Registered, tmp_path: Path
) -> None:
    if importlib.util.find_spec("ray") is None:
        pytest.skip("ray is not installed: the config is checked against ServeDeploySchema with it")
    from ray.serve.schema import ServeDeploySchema

    registered()
    config = _ray_config(invoke, tmp_path / "ray")
    # Ray's schemas are pydantic models of pydantic's v1 API (or of v2, in later versions)
    validate = getattr(ServeDeploySchema, "model_validate", None) or ServeDeploySchema.parse_obj
    schema = validate(config)
    assert schema.applications[0].import_path == RAY_APP


def test_ray_refuses_a_version_built_in_the_commands_interpreter(
    invoke: Invoke, registered: Registered, tmp_path: Path
) -> None:
    registered(environment="inherit")
    result = invoke("export", "iris:1", "--format", "ray", "-o", str(tmp_path / "ray"))
    assert isinstance(result.exception, ConfigError)
    assert "--env inherit" in str(result.exception)


@pytest.mark.parametrize(
    ("format_name", "flag", "value", "reader"),
    [
        ("docker", "--image", "i:1", "kserve"),
        ("docker", "--replicas", "2", "kserve and ray"),
        ("kserve", "--base-image", "python:3.11-slim", "docker"),
        ("modelport", "--cpu", "2", "kserve"),
    ],
)
def test_an_option_the_format_does_not_read_is_refused(
    invoke: Invoke, registered: Registered, tmp_path: Path,
    format_name: str, flag: str, value: str, reader: str,
) -> None:  # fmt: skip
    registered()
    out = tmp_path / "out"
    result = invoke("export", "iris:1", "--format", format_name, "-o", str(out), flag, value)
    assert isinstance(result.exception, ConfigError)
    assert result.exception.field == flag
    assert f"--format {reader}" in str(result.exception)
    assert not out.exists()


def test_the_help_names_every_format_and_its_options(invoke: Invoke) -> None:
    shown = invoke("export", "--help").output
    for word in ("docker", "kserve", "ray", "--image", "--cpu", "--memory", "--replicas"):
        assert word in shown, word
