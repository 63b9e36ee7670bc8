"""What ``--help`` says: every command's flags without a value, one help text for the options
several commands share, ``--convention`` where ``--format`` used to mean the convention."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest
import typer
from typer.core import TyperOption

from modelport.cli.command_table import COMMANDS as LISTED
from modelport.cli.main import app
from modelport.cli.options import RootGroup

from .conftest import Invoke


def _commands(
    command: typer.core.TyperCommand | typer.core.TyperGroup, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], typer.core.TyperCommand | typer.core.TyperGroup]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        if not sub.hidden:
            yield from _commands(sub, (*path, name))


def _every_command() -> RootGroup:
    root = typer.main.get_command(app)
    assert isinstance(root, RootGroup)
    root.load_all()  # the commands are imported when they run; all of them here
    return root


COMMANDS = list(_commands(_every_command()))


def _path_id(path: tuple[str, ...]) -> str:
    return " ".join(path) or "modelport"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[_path_id(p) for p, _ in COMMANDS])
def test_flags_show_no_value_in_help(
    invoke: Invoke, path: tuple[str, ...], command: typer.core.TyperCommand
) -> None:
    shown = invoke(*path, "--help")
    assert shown.exit_code == 0, shown.output
    assert "--help" in shown.output
    assert "<bool>" not in shown.output, shown.output


def test_every_host_port_and_env_option_says_what_it_does() -> None:
    seen = set()
    for path, command in COMMANDS:
        for param in command.params:
            if isinstance(param, TyperOption) and {"--host", "--port", "--env"} & set(param.opts):
                assert param.help, f"{_path_id(path)} {param.opts[0]} has no help text"
                seen.add((path, param.opts[0]))
    assert {(("serve",), "--host"), (("serve",), "--port"), (("serve",), "--env")} <= seen
    assert {(("build",), "--env"), (("predict",), "--env"), (("test",), "--env")} <= seen


def test_every_command_that_prints_takes_json() -> None:
    quiet = {("serve",), ("server",)}  # serve until stopped: nothing to print as JSON
    for path, command in COMMANDS:
        if isinstance(command, typer.core.TyperGroup) or path in quiet:
            continue
        options = {opt for param in command.params for opt in param.opts}
        assert "--json" in options, f"{_path_id(path)} has no --json"


def test_one_env_help_text_everywhere() -> None:
    helps = {
        param.help
        for _, command in COMMANDS
        for param in command.params
        if isinstance(param, TyperOption) and "--env" in param.opts
    }
    assert len(helps) == 1, helps


@pytest.mark.parametrize("name", ["init", "build"])
def test_the_convention_is_named_by_convention(invoke: Invoke, name: str) -> None:
    shown = invoke(name, "--help").output
    assert "--convention" in shown
    assert "--format" not in shown  # still accepted, hidden: it meant the convention here


def test_export_format_is_the_one_format(invoke: Invoke) -> None:
    shown = invoke("export", "--help").output
    assert "--format" in shown and "omaf" in shown and "--convention" not in shown


@pytest.mark.parametrize("name", ["serve", "predict"])
def test_targets_say_a_bare_name_is_the_registry(invoke: Invoke, name: str) -> None:
    shown = " ".join(invoke(name, "--help").output.split())
    assert "A bare name always means the registry" in shown
    assert "./iris" in shown


def test_removal_is_rm_everywhere_and_the_old_verbs_are_hidden(invoke: Invoke) -> None:
    top = invoke("--help").output
    assert " rm " in top and " delete " not in top
    for group in ("alias", "tag", "secret"):
        shown = invoke(group, "--help").output
        assert " rm " in shown, group
        assert " unset " not in shown and " delete " not in shown, group


def test_completion_can_be_installed(invoke: Invoke) -> None:
    shown = invoke("--help").output
    assert "--install-completion" in shown and "--show-completion" in shown
    assert "--version" in shown


def test_the_root_help_lists_each_command_as_its_own_help_begins() -> None:
    """``modelport --help`` lists the commands from ``command_table`` without importing them:
    the table says what each command's own help says first, and hides what it hides."""
    loaded = _every_command().commands
    assert set(loaded) == set(LISTED)
    for name, command in loaded.items():
        first = inspect.cleandoc(command.help or "").split("\n\n")[0]
        assert LISTED[name].help == " ".join(first.split()), name
        assert LISTED[name].hidden == command.hidden, name


def test_the_root_help_lists_every_command_it_shows(invoke: Invoke) -> None:
    """The listing comes from the table (``tests/unit/test_lean_imports.py`` checks, in a fresh
    interpreter, that no command's module is imported for it): every command but the hidden."""
    shown = invoke("--help")
    assert shown.exit_code == 0
    listed = {line.split()[1] for line in shown.output.splitlines() if line.startswith("│ ")}
    assert listed >= {name for name, entry in LISTED.items() if not entry.hidden}
    assert "delete" not in listed
    assert "Serve a model or a pipeline over HTTP" in " ".join(shown.output.split())


def test_an_unknown_command_is_named_with_the_closest_ones(invoke: Invoke) -> None:
    shown = invoke("modles", "list")
    assert shown.exit_code == 2
    assert "No such command 'modles'" in shown.output
    assert "'models'" in shown.output
