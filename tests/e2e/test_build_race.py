"""Two `modelport build` processes racing on the same model get distinct version numbers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from modelport.registry.uris import open_store
from modelport.scaffold import scaffold
from modelport.settings import Settings


def test_racing_builds_get_versions_1_and_2(tmp_path: Path) -> None:
    home = tmp_path / "home"
    projects = []
    for index in range(2):
        project = scaffold("racer", template="basic", dest=tmp_path / f"p{index}", class_name="R")
        root = project[0].parent if project[0].name == "README.md" else tmp_path / f"p{index}"
        model = root / "main" / "model.py"
        model.write_text(model.read_text().replace('"echo: "', f'"echo {index}: "'))
        (root / "tests" / "ut" / "test_model.py").unlink()
        projects.append(root)
    env = {**os.environ, "MODELPORT_HOME": str(home)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "modelport", "build", str(p), "--env", "inherit", "-n", "racer"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in projects
    ]
    outcomes = [p.communicate(timeout=300) for p in processes]
    for process, (_, stderr) in zip(processes, outcomes, strict=True):
        assert process.returncode == 0, stderr

    store = open_store(settings=Settings(home=home))
    versions = store.list_versions(name="racer")
    assert [v.number for v in versions] == [1, 2]
    assert len({v.digest for v in versions}) == 2
    for version in versions:
        assert store.artifact_path(version).is_file()
