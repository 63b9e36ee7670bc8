"""Which interpreter a model's Ray workers may run: a model environment's own only when Ray is
installed there (a Ray worker's first line imports ``ray``)."""

from __future__ import annotations

from pathlib import Path

from modelport.deploy.runtime_env import holds_ray


def _environment(root: Path, *, with_ray: bool) -> Path:
    site = root / "lib" / "python3.11" / "site-packages"
    (site / "sklearn").mkdir(parents=True)
    (site / "sklearn" / "__init__.py").touch()
    if with_ray:
        (site / "ray").mkdir()
        (site / "ray" / "__init__.py").touch()
    (root / "bin").mkdir()
    return root / "bin" / "python"


def test_an_environment_is_used_as_it_is_only_when_it_holds_ray(tmp_path: Path) -> None:
    assert holds_ray(_environment(tmp_path / "with", with_ray=True))
    assert not holds_ray(_environment(tmp_path / "without", with_ray=False))
