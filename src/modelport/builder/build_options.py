"""What a build is asked to do: the options of ``modelport build`` (and ``test``, ``import``,
a registry upload) as ``builder.build.build_project`` takes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from modelport.registry.entities import DEFAULT_WORKSPACE

EnvMode = Literal["auto", "inherit"]
IntegrationTests = Literal["at-build", "always"]


@dataclass(frozen=True)
class BuildOptions:
    name: str | None = None
    env: EnvMode = "auto"
    format: str | None = None
    extra_folders: tuple[str, ...] = ()
    sample: Path | None = None
    run_unit_tests: bool = True
    """False (``--skip-tests``) skips the unit and the build-time integration tests."""
    integration_tests: IntegrationTests = "at-build"
    """When the project's integration tests run against the new artifact, before it is
    registered: where its convention runs them at build time, or whenever it has them
    (``modelport test``)."""
    test_args: tuple[str, ...] = ()
    """More pytest arguments for the integration tests (``modelport test -- -k iris``)."""
    ready_timeout: float = 600.0
    """Seconds the new artifact may take to load for its integration tests."""
    workspace: str = DEFAULT_WORKSPACE
    """The workspace the build registers its models in."""
    lineage: Mapping[str, str] = field(default_factory=dict)
    """More of where the build came from, kept in each version's lineage beside the source
    folder and git commit (an upload from an MLflow registry: its url, source and run id)."""
    index_url: str | None = None
    """The package index the model's environment installs from (``--index-url``), replacing
    pip's, uv's and the settings' (``builder/package_index.py``)."""
    extra_index_urls: tuple[str, ...] = ()
    """More package indexes for the model's environment (``--extra-index-url``)."""
    find_links: tuple[str, ...] = ()
    """Folders of wheels the model's environment may install from (``--find-links``)."""


__all__ = ["BuildOptions", "EnvMode", "IntegrationTests"]
