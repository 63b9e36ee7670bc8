"""The pickled instance of a native or Qwak model: an artifact without one is an artifact error
naming the file, not an internal error."""

from __future__ import annotations

from pathlib import Path

import cloudpickle
import pytest

from modelport.errors import ArtifactError
from modelport.formats.instances import INSTANCE_FILE, load_instance


def test_the_instance_is_loaded_back(tmp_path: Path) -> None:
    (tmp_path / INSTANCE_FILE).parent.mkdir(parents=True)
    (tmp_path / INSTANCE_FILE).write_bytes(cloudpickle.dumps({"weights": [1, 2]}))
    assert load_instance(tmp_path) == {"weights": [1, 2]}


def test_an_artifact_without_its_instance_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError) as refused:
        load_instance(tmp_path)
    assert refused.value.field == INSTANCE_FILE
    assert "build it again" in str(refused.value.hint)
