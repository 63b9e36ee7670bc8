"""MLflow's python_env.yaml: the Python version, pip lines and ``-r`` includes; errors name the
file."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.dependencies.python_env import read_python_env
from modelport.errors import ConfigError


def test_includes_and_the_python_version_are_read(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "mlflow==3.17.2\n--extra-index-url https://x/simple\n"
    )
    path = tmp_path / "python_env.yaml"
    path.write_text(
        "python: 3.11.7\nbuild_dependencies:\n- pip\n- wheel\n"
        "dependencies:\n- -r requirements.txt\n- xgboost==3.2.0\n"
    )
    read = read_python_env(path)
    assert read.requirements == ("mlflow==3.17.2", "xgboost==3.2.0")
    assert read.options == ("--extra-index-url https://x/simple",)
    assert read.python_requirement == "==3.11.7"


@pytest.mark.parametrize(
    ("text", "problem"),
    [("dependencies: [oops", "invalid YAML"), ("dependencies: {a: 1}\n", "not a list")],
)
def test_a_wrong_file_is_named(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "python_env.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=problem) as caught:
        read_python_env(path)
    assert caught.value.field == str(path)
