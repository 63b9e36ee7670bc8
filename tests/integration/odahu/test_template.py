"""``modelport init NAME --convention odahu``: the OMAF artifact folder it writes builds with the
command init prints and answers Odahu's invoke route."""

from __future__ import annotations

import shlex
from pathlib import Path

import httpx
import pytest

from ..cli import run_cli
from .conftest import serving


def test_the_odahu_template_builds_and_answers_invoke(tmp_path: Path) -> None:
    home = tmp_path / "home"
    made = run_cli("init", "wine-quality", "--convention", "odahu", home=home, cwd=tmp_path)
    assert made.code == 0, made.stderr
    assert "odahuflow.model.yaml" in made.stdout
    line = next(line for line in made.stdout.splitlines() if line.startswith("Next: "))
    command = shlex.split(line.removeprefix("Next: "))
    assert command[:2] == ["modelport", "build"]

    built = run_cli(*command[1:], "--env", "inherit", "--json", home=home, cwd=tmp_path)
    assert built.code == 0, built.stderr
    version = built.json()["version"]
    assert (version["model"], version["source_format"]) == ("wine-quality", "odahu")
    assert version["metadata"]["odahu"]["prediction_mode"] == "matrix"

    with serving(home, "wine-quality") as url:
        answer = httpx.post(
            f"{url}/api/model/invoke",
            json={"columns": ["sulphates", "alcohol", "pH"], "data": [[0.56, 9.4, 3.51]]},
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["model-name"] == "wine-quality"
        body = answer.json()
        assert body["columns"] == ["quality"]
        expected = 0.61 + 0.35 * 9.4 - 0.42 * 3.51 + 1.05 * 0.56
        assert body["prediction"][0][0] == pytest.approx(expected)
        assert httpx.get(f"{url}/healthcheck").json() == {"status": True}
