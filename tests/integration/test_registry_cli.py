"""Registry commands through the real `modelport` command: tables, --json, aliases, tags,
rm rules, export and import between registries."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from .cli import Result, run_cli


def test_models_list_and_show(cli: Callable[..., Result]) -> None:
    table = cli("models", "list")
    assert table.code == 0
    assert "echo" in table.stdout and "versions" in table.stdout
    models = cli("models", "list", "--json").json()
    assert [m["name"] for m in models] == ["echo"]
    shown = cli("models", "show", "echo", "--json").json()
    assert shown["model"]["name"] == "echo"
    assert [v["number"] for v in shown["versions"]] == [1]
    [version] = shown["versions"]
    assert version["lineage"]["source_digest"] == version["build"]["source_digest"]
    assert version["lineage"]["source"].endswith("echo")
    text = cli("models", "show", "echo").stdout
    assert "echo:1 lineage" in text and "source_digest" in text


def test_unknown_model_version_and_alias_say_what_to_do(cli: Callable[..., Result]) -> None:
    for args in (
        ("models", "show", "nope"),
        ("versions", "nope"),
        ("export", "echo:99", "-o", "/tmp/never.zip"),
        ("export", "echo@nowhere", "-o", "/tmp/never.zip"),
        ("alias", "set", "echo", "production", "99"),
    ):
        result = cli(*args)
        assert result.code == 1, args
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("error:"), result.stderr
    assert not Path("/tmp/never.zip").exists()


def test_alias_guards_delete_and_tags_round_trip(
    tmp_path: Path, project_factory: Callable[..., Path]
) -> None:
    home = tmp_path / "home"
    project = project_factory(tmp_path / "echo")
    assert run_cli("build", str(project), "--env", "inherit", home=home).code == 0

    assert run_cli("alias", "set", "echo", "production", "1", home=home).code == 0
    [version] = run_cli("versions", "echo", "--json", home=home).json()
    assert version["aliases"] == ["production"]

    refused = run_cli("rm", "echo:1", home=home)
    assert refused.code == 1 and "production" in refused.stderr

    assert run_cli("tag", "set", "echo:1", "stage", "qa", home=home).code == 0
    assert run_cli("tag", "set", "echo", "team", "search", home=home).code == 0
    shown = run_cli("models", "show", "echo", "--json", home=home).json()
    assert shown["model"]["tags"] == {"team": "search"}
    assert shown["versions"][0]["tags"] == {"stage": "qa"}
    assert run_cli("tag", "rm", "echo:1", "stage", home=home).code == 0
    assert run_cli("versions", "echo", "--json", home=home).json()[0]["tags"] == {}

    assert run_cli("alias", "rm", "echo", "production", home=home).code == 0
    deleted = run_cli("rm", "echo:1", home=home)
    assert deleted.code == 0, deleted.stderr
    assert run_cli("versions", "echo", "--json", home=home).json() == []


def test_export_then_import_into_another_registry_keeps_the_digest(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    archive = tmp_path / "echo.zip"
    exported = cli("export", "echo:1", "-o", str(archive))
    assert exported.code == 0, exported.stderr
    [original] = cli("versions", "echo", "--json").json()

    other = tmp_path / "other-home"
    imported = run_cli("import", str(archive), "--json", home=other)
    assert imported.code == 0, imported.stderr
    assert imported.json()["version"]["digest"] == original["digest"]
    assert imported.json()["version"]["number"] == 1
    again = run_cli("import", str(archive), "--json", home=other)
    assert again.json()["created"] is False


def test_import_refuses_a_tampered_artifact(cli: Callable[..., Result], tmp_path: Path) -> None:
    archive = tmp_path / "echo.zip"
    assert cli("export", "echo", "-o", str(archive)).code == 0
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "src/main/model.py":
                data = data.replace(b"echo: ", b"pwned ")
            target.writestr(info, data)
    other = tmp_path / "other-home"
    result = run_cli("import", str(tampered), home=other)
    assert result.code == 1
    assert "src/main/model.py" in result.stderr
    assert run_cli("models", "list", "--json", home=other).json() == []


def test_the_settings_file_in_the_working_folder_picks_the_registry(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "modelport.toml").write_text(f'registry_uri = "sqlite:///{tmp_path / "team.db"}"\n')
    listed = run_cli("models", "list", "--json", home=tmp_path / "home", cwd=work)
    assert listed.code == 0, listed.stderr
    assert (tmp_path / "team.db").is_file()
    assert not (tmp_path / "home" / "registry.db").exists()
    (work / "modelport.toml").write_text('registry = "typo"\n')
    refused = run_cli("models", "list", home=tmp_path / "home", cwd=work)
    assert refused.code == 1
    assert "modelport.toml: unknown setting 'registry'" in refused.stderr
