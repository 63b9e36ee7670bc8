"""modelport's ``mac`` stand-in goes on ``sys.path`` only when no real ``mac`` is importable, and
into a ``.pth`` file of an environment modelport built, for the developer's own scripts."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelport.formats.base import OWN_ENVIRONMENT
from modelport.formats.wallaroo.mac_modules import (
    COMPAT_ROOT,
    PATH_FILE,
    ensure_mac_importable,
    install_path_file,
)


def _mac_modules() -> dict[str, object]:
    return {n: m for n, m in sys.modules.items() if n == "mac" or n.startswith("mac.")}


@pytest.fixture
def no_mac_loaded(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No ``mac`` imported nor on the path; afterwards, the modules as they were."""
    before = _mac_modules()
    for name in before:
        del sys.modules[name]
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(COMPAT_ROOT)])
    yield
    for name in _mac_modules():
        del sys.modules[name]
    sys.modules.update(before)  # type: ignore[arg-type]


@pytest.mark.usefixtures("no_mac_loaded")
def test_the_stand_in_is_used_when_mac_is_absent() -> None:
    ensure_mac_importable()
    assert sys.path[-1] == str(COMPAT_ROOT)
    import mac.inference

    assert Path(mac.inference.__file__).is_relative_to(COMPAT_ROOT)


@pytest.mark.usefixtures("no_mac_loaded")
def test_a_real_mac_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mac").mkdir()
    (tmp_path / "mac" / "__init__.py").write_text("REAL = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    ensure_mac_importable()
    assert str(COMPAT_ROOT) not in sys.path
    import mac

    assert mac.REAL


@pytest.mark.usefixtures("no_mac_loaded")
def test_no_path_file_where_a_real_mac_is_installed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "mac").mkdir()
    (tmp_path / "mac" / "__init__.py").write_text("REAL = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(OWN_ENVIRONMENT, "1")
    assert install_path_file(tmp_path) is None
    assert not (tmp_path / PATH_FILE).exists()
