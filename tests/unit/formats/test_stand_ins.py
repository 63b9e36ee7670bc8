"""A platform's SDK stand-in made importable in the model's environment by a .pth file, so a
project's own scripts (Qwak's ``run_local``, a Wallaroo BYOP harness importing ``mac``) run
there unchanged: only in an environment modelport built, and idempotently."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from modelport.formats.base import OWN_ENVIRONMENT
from modelport.formats.qwak import sdk
from modelport.formats.wallaroo import mac_modules


@pytest.mark.parametrize(
    ("install", "path_file", "module"),
    [
        (sdk.install_path_file, sdk.PATH_FILE, "qwak.model.tools"),
        (mac_modules.install_path_file, mac_modules.PATH_FILE, "mac.inference.creation"),
    ],
    ids=["qwak", "mac"],
)
def test_a_path_file_makes_the_stand_in_importable_by_a_projects_own_scripts(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    install: Callable[[Path], Path | None],
    path_file: str,
    module: str,
) -> None:
    site_packages = tmp_path / "site-packages"
    site_packages.mkdir()
    monkeypatch.delenv(OWN_ENVIRONMENT, raising=False)
    assert install(site_packages) is None  # the developer's own environment: left untouched
    assert not (site_packages / path_file).exists()

    monkeypatch.setenv(OWN_ENVIRONMENT, "1")
    assert install(site_packages) == site_packages / path_file
    assert install(site_packages) == site_packages / path_file  # idempotent
    script = (
        "import importlib, site, sys; site.addsitedir(sys.argv[1]); "
        "print(importlib.import_module(sys.argv[2]).__name__)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    ran = subprocess.run(
        [sys.executable, "-c", script, str(site_packages), module],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == module
