"""A convention's own build options reach its build step as an argument; a build refuses the
options its format does not take, naming them, before any environment is prepared."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.builder.build import build_project
from modelport.errors import ConfigError
from modelport.formats.native.format import NativeFormat
from modelport.formats.wallaroo.format import WallarooFormat
from modelport.registry.uris import open_store
from modelport.settings import Settings

MODEL = """import modelport


class Echo(modelport.Model):
    def predict(self, rows):
        return rows
"""


def test_a_format_without_build_options_refuses_them(tmp_path: Path) -> None:
    project = tmp_path / "echo"
    (project / "main").mkdir(parents=True)
    (project / "main" / "__init__.py").write_text(MODEL)
    settings = Settings(home=tmp_path / "home")
    with open_store(None, settings=settings) as store, pytest.raises(ConfigError) as refused:
        build_project(project, store=store, settings=settings, format_options={"framework": "x"})
    assert refused.value.message == "the native format has no build option framework"
    assert refused.value.hint == "its build options: none"
    assert not settings.envs_dir.exists()  # refused before preparing an environment


def test_each_format_declares_the_options_it_takes() -> None:
    assert NativeFormat.option_names == frozenset()
    assert WallarooFormat.option_names == {
        "framework",
        "input_schema",
        "output_schema",
        "tensor_fields",
        "runtime",
    }
