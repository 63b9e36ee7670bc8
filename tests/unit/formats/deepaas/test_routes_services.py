"""The DEEPaaS routes open nothing of their own choosing: training jobs go to the registry the
server was given (``modelport --registry ...``), never to the settings' default one."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from modelport.formats.deepaas.entry_points import EntryPoint
from modelport.formats.deepaas.servable import DeepaasServable
from modelport.serving.app import create_app
from modelport.serving.conventions import Services
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime


def test_training_jobs_are_kept_in_the_registry_the_server_was_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELPORT_HOME", str(tmp_path / "default-home"))
    model = DeepaasServable(EntryPoint("m", "m.api"), SimpleNamespace())
    given = tmp_path / "given" / "registry.db"
    services = Services(home=tmp_path / "given", registry_uri=f"sqlite:///{given}")
    create_app(ModelSet([ModelRuntime(model)]), services=services)
    with sa.create_engine(f"sqlite:///{given}").connect() as conn:
        tables = sa.inspect(conn).get_table_names()
    assert "deepaas_training_jobs" in tables
    assert not (tmp_path / "default-home").exists()
