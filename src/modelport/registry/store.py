"""The registry's one interface, ``RegistryStore``, which every backend implements.

The local store (SQL + blob folder, ``registry/sql/store.py``) is one implementation; the REST
client of a remote ``modelport server`` will be another. Callers get one from
``registry.uris.open_store`` and never know which. Every method is keyword-only (except the
reference given to ``resolve``) and raises only modelport errors: ``InvalidInput`` for a bad
name or number, ``NotFound`` for an unknown workspace, model, version or alias (with a hint
saying how to list what exists) and ``Conflict`` when the request clashes with what is stored.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType

from modelport._types import JSONObject
from modelport.registry.blobs import Leftover
from modelport.registry.entities import (
    DEFAULT_WORKSPACE,
    Alias,
    AliasChange,
    Model,
    ModelVersion,
    Page,
    Workspace,
)
from modelport.registry.search import DEFAULT_PAGE_SIZE


class RegistryStore(ABC):
    """Workspaces, models, versions, aliases and tags, plus the artifacts of versions."""

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:  # noqa: B027 - optional hook; stores without resources keep it
        """Release connections and files held by the store."""

    def __enter__(self) -> RegistryStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- workspaces -------------------------------------------------------------------------

    @abstractmethod
    def create_workspace(self, *, name: str) -> Workspace:
        """Create a workspace (Conflict if it exists)."""

    @abstractmethod
    def list_workspaces(self) -> list[Workspace]:
        """All workspaces, by name."""

    # -- models -----------------------------------------------------------------------------

    @abstractmethod
    def create_model(
        self,
        *,
        name: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Model:
        """Create a model with no versions (Conflict if it exists)."""

    @abstractmethod
    def get_model(self, *, name: str, workspace: str = DEFAULT_WORKSPACE) -> Model:
        """The model called ``name`` (NotFound if there is none)."""

    @abstractmethod
    def list_models(self, *, workspace: str = DEFAULT_WORKSPACE) -> list[Model]:
        """All models of a workspace, by name."""

    @abstractmethod
    def search_models(
        self,
        *,
        name_contains: str | None = None,
        tags: dict[str, str] | None = None,
        max_results: int = DEFAULT_PAGE_SIZE,
        page_token: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Page[Model]:
        """One page of the workspace's models, by name: those whose name contains
        ``name_contains`` and that carry every tag in ``tags``. ``page_token`` is the
        ``next_page_token`` of the page before (InvalidInput for any other token)."""

    @abstractmethod
    def update_model(
        self, *, name: str, description: str | None = None, workspace: str = DEFAULT_WORKSPACE
    ) -> Model:
        """Set a model's description (None clears it)."""

    @abstractmethod
    def delete_model(
        self, *, name: str, workspace: str = DEFAULT_WORKSPACE, with_versions: bool = False
    ) -> None:
        """Delete a model that has no versions left (Conflict while it has any); with
        ``with_versions``, its versions, aliases and tags too. Conflict, whatever
        ``with_versions`` says, while the current version of a pipeline uses the model."""

    # -- versions ---------------------------------------------------------------------------

    @abstractmethod
    def register_version(
        self,
        *,
        name: str,
        artifact: Path,
        digest: str,
        signature: JSONObject,
        metadata: JSONObject,
        lineage: JSONObject,
        build: JSONObject,
        source_format: str,
        description: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> tuple[ModelVersion, bool]:
        """Register the artifact zip at ``artifact`` (whose sha256 is ``digest``) as a version.

        Creates the model (with ``description``) if it does not exist. If a version of the
        model already has this digest, returns it and ``False``; otherwise stores the blob,
        adds the next version number and returns the new version and ``True``.
        """

    @abstractmethod
    def get_version(
        self, *, name: str, number: int, workspace: str = DEFAULT_WORKSPACE
    ) -> ModelVersion:
        """Version ``number`` of model ``name``."""

    @abstractmethod
    def list_versions(self, *, name: str, workspace: str = DEFAULT_WORKSPACE) -> list[ModelVersion]:
        """All versions of a model, oldest (1) first."""

    @abstractmethod
    def search_versions(
        self,
        *,
        name: str,
        tags: dict[str, str] | None = None,
        max_results: int = DEFAULT_PAGE_SIZE,
        page_token: str | None = None,
        workspace: str = DEFAULT_WORKSPACE,
    ) -> Page[ModelVersion]:
        """One page of a model's versions carrying every tag in ``tags``, oldest first;
        paged as :meth:`search_models`."""

    @abstractmethod
    def resolve(self, ref: str, *, workspace: str = DEFAULT_WORKSPACE) -> ModelVersion:
        """The version a reference names: ``iris`` (latest), ``iris:2`` or ``iris@production``
        (or MLflow's ``models:/iris/2``, ``models:/iris@production``)."""

    @abstractmethod
    def delete_version(self, *, name: str, number: int, workspace: str = DEFAULT_WORKSPACE) -> None:
        """Delete a version (Conflict while an alias points at it).

        Its blob is removed unless another version, of any model, has the same digest.
        """

    @abstractmethod
    def artifact_path(self, version: ModelVersion) -> Path:
        """A local path to the stored artifact zip of ``version`` (do not modify it)."""

    @abstractmethod
    def collect_orphan_blobs(self, *, dry_run: bool = False) -> dict[str, int]:
        """Remove (unless ``dry_run``) every blob no version of any model references, such as
        one stored by a registration that was killed before its row; return their digests
        and sizes."""

    def collect_blob_leftovers(self, *, older_than: float, dry_run: bool = False) -> list[Leftover]:
        """Remove (unless ``dry_run``) what blob writes killed before they finished left in
        this registry's blob store, untouched for ``older_than`` seconds (temporary files,
        unfinished S3 uploads). A registry server's store is swept on the server's host."""
        return []

    # -- aliases ----------------------------------------------------------------------------

    @abstractmethod
    def set_alias(
        self,
        *,
        name: str,
        alias: str,
        number: int,
        workspace: str = DEFAULT_WORKSPACE,
        actor: str | None = None,
    ) -> Alias:
        """Point ``alias`` of model ``name`` at version ``number`` (creating or moving it),
        recording the change as made by ``actor`` (default: the user running this process)."""

    @abstractmethod
    def delete_alias(
        self,
        *,
        name: str,
        alias: str,
        workspace: str = DEFAULT_WORKSPACE,
        actor: str | None = None,
    ) -> None:
        """Remove an alias (NotFound if the model has no such alias), recorded as set_alias."""

    @abstractmethod
    def alias_history(
        self, *, name: str, alias: str | None = None, workspace: str = DEFAULT_WORKSPACE
    ) -> list[AliasChange]:
        """Every change of the model's aliases (or of ``alias`` only), oldest first."""

    @abstractmethod
    def list_aliases(self, *, name: str, workspace: str = DEFAULT_WORKSPACE) -> list[Alias]:
        """All aliases of a model, by name."""

    # -- tags -------------------------------------------------------------------------------

    @abstractmethod
    def set_model_tag(
        self, *, name: str, key: str, value: str, workspace: str = DEFAULT_WORKSPACE
    ) -> Model:
        """Set (add or overwrite) a tag of a model."""

    @abstractmethod
    def delete_model_tag(self, *, name: str, key: str, workspace: str = DEFAULT_WORKSPACE) -> Model:
        """Remove a tag of a model (NotFound if it has no such tag)."""

    @abstractmethod
    def set_version_tag(
        self, *, name: str, number: int, key: str, value: str, workspace: str = DEFAULT_WORKSPACE
    ) -> ModelVersion:
        """Set (add or overwrite) a tag of a version."""

    @abstractmethod
    def delete_version_tag(
        self, *, name: str, number: int, key: str, workspace: str = DEFAULT_WORKSPACE
    ) -> ModelVersion:
        """Remove a tag of a version (NotFound if it has no such tag)."""
