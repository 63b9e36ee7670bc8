"""What a convention's adapter provides: detection, a build step, and loading a Servable.

An adapter is registered in the ``modelport.formats`` entry-point group. ``detect`` scores a path
(0 = not mine, 1 = certainly mine) without importing user code; the best score wins.
The build step runs inside the model's environment (``modelport.builder.worker``); ``load`` runs in
the serving process, on an extracted artifact.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from modelport.artifact.manifest import Manifest
from modelport.servable import Servable

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from modelport.dependencies import DependencyFile
    from modelport.serving.conventions import ExampleRequest, Services
    from modelport.serving.models import ModelSet

__all__ = ["NO_OPTIONS", "OWN_ENVIRONMENT", "BuildOutput", "ModelFormat", "ProjectLayout"]

NO_OPTIONS: Mapping[str, str] = MappingProxyType({})

OWN_ENVIRONMENT = "MODELPORT_OWN_ENVIRONMENT"
"""Set (to ``1``) in the build step's process when it runs in an environment modelport made for
the model, not in the developer's own interpreter (``--env inherit``): a build step may install
into the first (DEEPaaS installs its package), never into the second."""


@dataclass(frozen=True)
class ProjectLayout:
    """What a build needs to know of a project before running any of its code."""

    root: Path
    default_name: str
    sources: tuple[str, ...]
    """Relative paths (under ``root``) of every source file packaged into the artifact."""
    dependency_root: Path
    """Where to look for the one dependency file."""
    unit_tests: str | None = None
    """Relative folder of the tests run at build time, when the project has them."""
    integration_tests: str | None = None
    dependency_file: DependencyFile | None = None
    """The dependency file the convention names itself (else one is looked for in
    ``dependency_root``)."""
    requirements: tuple[str, ...] | None = None
    """Requirements the convention declares itself (a Truss's config.yaml); when set, no
    dependency file is looked for."""
    integration_tests_at_build: bool = False
    """Run ``integration_tests`` during the build, against the new artifact served for real,
    before it is registered (the convention asks for it)."""
    test_plugins: tuple[str, ...] = ()
    """pytest plugins (``-p``) the project's tests need, e.g. a convention's import names."""
    external_sources: dict[str, Path] = field(default_factory=dict)
    """Files from outside ``root`` packaged too: artifact name under ``src/`` -> file (an extra
    folder given by an absolute path keeps its whole path, as Qwak recreates it)."""
    provided_packages: tuple[str, ...] = ()
    """Distributions the convention provides itself (an SDK whose import names modelport
    supplies): left out of the environment when the dependency file names them."""
    needs_pandas: bool = True
    """Whether the model's environment needs pandas (modelport's own requirements otherwise
    leave it out; the project's may still bring it): a convention whose models take DataFrames
    says yes, the native format reads the model's source (``formats.native.dataframes``)."""


@dataclass
class BuildOutput:
    """What a format's build step produced, written back to the build process as JSON + files."""

    entry_point: str
    signature: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    version: str = "0.0.0"
    files: dict[str, str] = field(default_factory=dict)
    """Artifact name -> path of a file the step wrote (e.g. the pickled instance)."""
    notes: list[str] = field(default_factory=list)
    """Lines to show the user (e.g. that the schema was inferred)."""
    record: dict[str, Any] = field(default_factory=dict)
    """Facts of the build step (e.g. parameters the model logged) kept in the build record."""
    models: dict[str, str] = field(default_factory=dict)
    """When the project holds several models: model name -> entry point; each is registered
    as a model of its own (same files and metadata), ``entry_point`` and the build's name
    then unused."""


class ModelFormat(ABC):
    """One convention's adapter: what a build needs of it (detection, layout, build step) and
    what a server needs (loading, and its clients' routes: :class:`ServedConvention`)."""

    name: ClassVar[str]
    option_names: ClassVar[frozenset[str]] = frozenset()
    """The convention-specific build options its build step takes (``modelport build`` passes
    them as ``options``); a build refuses any other."""
    runtime_requirements: ClassVar[tuple[str, ...]] = ()
    """Requirements (PEP 508 lines) of the convention's own code that every environment serving
    or building its models gets besides modelport's runtime (its routes' wire format, a store):
    a bare name of one of modelport's dependencies takes modelport's bounds. A server checks
    they are installed before loading a model of the convention."""

    @abstractmethod
    def detect(self, path: Path) -> float:
        """How sure this format is that ``path`` is written to its convention (0..1)."""

    @abstractmethod
    def layout(self, path: Path, *, extra_folders: tuple[str, ...] = ()) -> ProjectLayout:
        """The project's files and folders, read without running its code."""

    @abstractmethod
    def build_step(
        self,
        layout: ProjectLayout,
        out_dir: Path,
        *,
        sample: Any = None,
        options: Mapping[str, str] = NO_OPTIONS,
    ) -> BuildOutput:
        """Run inside the model's environment: build the model and write what gets packaged.
        ``options`` holds the convention-specific build options (names in ``option_names``)."""

    @abstractmethod
    def load(self, root: Path, manifest: Manifest) -> Servable:
        """A Servable for an extracted artifact (``root`` holds its files)."""

    def routes(self, models: ModelSet, services: Services) -> list[BaseRoute]:
        """The routes its own clients call, for its models among ``models``; none by default
        (its models answer on the generic protocols only)."""
        return []

    def example_request(self, servable: Servable) -> ExampleRequest | None:
        """A request ``servable`` answers with 200, which the server prints at start as a
        curl line; by default (None) the native predict route with the model's example row."""
        return None
