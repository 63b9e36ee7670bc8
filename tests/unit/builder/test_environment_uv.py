"""uv as the environments run it: an install whose pins are newer than uv's cached view of the
index (a package released moments before the lock was resolved) is tried once more afresh."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from modelport.builder import environment
from modelport.errors import BuildFailed

FAKE_UV = """#!/bin/sh
echo "$@" >> "{calls}"
case "$*" in
  *--refresh*) echo installed; exit 0 ;;
  *) echo "error: No solution found when resolving dependencies: no version of idna==3.21" >&2
     exit 1 ;;
esac
"""


def _fake_uv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, script: str) -> Path:
    """``script`` (:data:`NEVER_FOUND` or a variant) as the uv builds run, offering idna==3.21
    and never finding it; modelport's own requirements left out. Returns the file of its calls."""
    record = tmp_path / "calls.txt"
    fake = tmp_path / "uv"
    fake.write_text(script.format(calls=record, pin="idna==3.21"))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr("uv.find_uv_bin", lambda: str(fake))
    monkeypatch.setattr(environment, "modelport_requirements", lambda **_: [])
    return record


def _prepare_idna(tmp_path: Path, source: Path | None = None) -> None:
    environment.prepare_environment(
        ["idna"],
        envs_dir=tmp_path / "envs",
        source=source,
        modelport_install=environment.ModelportInstall.current(),
    )


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A uv whose cache misses the newest release: it finds it only when told to --refresh."""
    record = tmp_path / "calls.txt"
    fake = tmp_path / "uv"
    fake.write_text(FAKE_UV.format(calls=record))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr("uv.find_uv_bin", lambda: str(fake))
    return record


def test_an_install_that_finds_no_solution_asks_the_index_afresh_once(calls: Path) -> None:
    out = environment._uv(["pip", "install"], failure="f", hint="h", source=None, stale=True)
    assert out.strip() == "installed"
    assert calls.read_text().splitlines() == ["pip install", "pip install --refresh"]


def test_a_resolution_that_finds_no_solution_fails_at_once(calls: Path) -> None:
    with pytest.raises(BuildFailed, match=r"no version of idna==3\.21"):
        environment._uv(["pip", "compile"], failure="f", hint="h", source=None)
    assert calls.read_text().splitlines() == ["pip compile"]


def test_several_indexes_are_compared_as_pip_compares_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pip takes the best version of any index; uv the first index's. With pip's extra indexes
    (a mirror holding a few pandas versions), uv is asked to compare them all, unless the user
    chose otherwise."""
    from modelport.builder.environment import index_strategy

    monkeypatch.delenv("UV_INDEX_STRATEGY", raising=False)
    extra = ["--extra-index-url file:///opt/pypi/simple", "--find-links /opt/wheels"]
    assert index_strategy(extra) == ["--index-strategy", "unsafe-best-match"]
    assert index_strategy(["--find-links /opt/wheels"]) == []
    monkeypatch.setenv("UV_INDEX_STRATEGY", "first-index")
    assert index_strategy(extra) == []


NEVER_FOUND = """#!/bin/sh
echo "$@" >> "{calls}"
case "$1 $2" in
  "venv "*) mkdir -p "$3/bin" && ln -sf "$(command -v python3)" "$3/bin/python"; exit 0 ;;
  "pip compile") echo "{pin}"; exit 0 ;;
  *) echo "error: No solution found when resolving dependencies: no version of {pin}" >&2
     exit 1 ;;
esac
"""


def test_a_pin_the_index_never_offers_ends_in_the_installs_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The install, once more with --refresh, one resolution afresh, its install twice: then
    the install's error, as a BuildFailed naming the file (never a loop, never a private type)."""
    record = _fake_uv(monkeypatch, tmp_path, NEVER_FOUND)
    with pytest.raises(BuildFailed) as caught:
        _prepare_idna(tmp_path, source=Path("req.txt"))
    assert type(caught.value) is BuildFailed
    assert "could not install the requirements of req.txt" in str(caught.value)
    assert "no version of idna==3.21" in str(caught.value) and caught.value.field == "req.txt"
    calls = [
        " ".join(line.split()[:2]) + (" --refresh" * line.endswith("--refresh"))
        for line in record.read_text().splitlines()
    ]
    assert calls == [
        "pip compile",
        "venv --relocatable",
        "pip install",
        "pip install --refresh",
        "pip compile --refresh",
        "venv --relocatable",
        "pip install",
        "pip install --refresh",
    ]


def test_when_the_fresh_resolution_fails_the_installs_error_stands(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A lock read from a registered artifact has no pins its user could loosen: the error says
    what the install found, not what the resolution afresh did."""
    script = NEVER_FOUND.replace(
        '"pip compile")', '"pip compile") case "$*" in *--refresh*) exit 1 ;; esac;'
    )
    record = _fake_uv(monkeypatch, tmp_path, script)
    with pytest.raises(BuildFailed) as caught:
        _prepare_idna(tmp_path)
    assert str(caught.value).startswith("could not install the requirements")
    assert "no version of idna==3.21" in str(caught.value)
    assert record.read_text().splitlines()[-1].startswith("pip compile")
