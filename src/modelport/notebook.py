"""modelport from Python, in this interpreter (a notebook, a script): what ``modelport build`` and
``modelport predict`` do, as functions.

    version = modelport.build("./iris")              # -> iris:1, registered
    model = modelport.load("iris")                   # or "iris:1", "iris@production", a .zip
    model.predict([{"sepal_length": 5.1, ...}])      # a DataFrame, checked as a request would be

``load`` runs the model in this interpreter, so it needs the model's packages here (the
environment a build made holds them for ``modelport serve``; a notebook has its own).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

    from modelport.registry.entities import ModelVersion
    from modelport.schema import Signature
    from modelport.serving.runtime import ModelRuntime


def build(
    path: str | Path,
    *,
    name: str | None = None,
    env: Literal["auto", "inherit"] = "auto",
    convention: str | None = None,
    extra_folders: Sequence[str] = (),
    run_tests: bool = True,
    options: Mapping[str, str] | None = None,
    registry: str | None = None,
) -> ModelVersion:
    """Build the project at ``path`` and register it, as ``modelport build`` does (its unit
    tests run; a failing one raises :class:`~modelport.errors.BuildFailed` naming it)."""
    from modelport.builder.build import build_project
    from modelport.builder.build_options import BuildOptions
    from modelport.registry import open_store
    from modelport.settings import get_settings

    settings = get_settings()
    build_options = BuildOptions(
        name=name,
        env=env,
        format=convention,
        extra_folders=tuple(extra_folders),
        run_unit_tests=run_tests,
    )
    store = open_store(registry, settings=settings)
    try:
        result = build_project(
            Path(path),
            store=store,
            settings=settings,
            options=build_options,
            format_options=dict(options or {}),
        )
    finally:
        store.close()
    return result.version


def load(ref: str | Path, *, registry: str | None = None) -> LoadedModel:
    """The model ``ref`` names (``NAME``, ``NAME:VERSION``, ``NAME@ALIAS``, or an artifact
    file), loaded and initialised in this interpreter."""
    from modelport.registry import open_store
    from modelport.serving.loader import load_artifact
    from modelport.serving.runtime import ModelRuntime
    from modelport.settings import get_settings

    settings = get_settings()
    version: int | None = None
    digest: str | None = None
    if isinstance(ref, Path) or Path(ref).suffix == ".zip":
        artifact_path = Path(ref)
    else:
        store = open_store(registry, settings=settings)
        try:
            found = store.resolve(ref)
            artifact_path = store.artifact_path(found)
        finally:
            store.close()
        version, digest = found.number, found.digest
    loaded = load_artifact(
        artifact_path, settings=settings, version=version, expected_digest=digest
    )
    runtime = ModelRuntime(loaded.servable, version=version, threads=1, inline=True)
    runtime.load()
    return LoadedModel(runtime)


@dataclass(frozen=True)
class LoadedModel:
    """A model loaded in this interpreter; :meth:`predict` answers as its server would."""

    runtime: ModelRuntime

    @property
    def name(self) -> str:
        return self.runtime.name

    @property
    def version(self) -> int | None:
        return self.runtime.version

    @property
    def signature(self) -> Signature:
        return self.runtime.signature

    def predict(self, rows: Any) -> pd.DataFrame:
        """The model's answer to ``rows`` (a DataFrame, a list of records, a mapping of column
        name to values, or a ``pyarrow.Table``), checked against its schema as a request is:
        :class:`~modelport.errors.InvalidInput` names a missing or mistyped field."""
        import anyio
        import pyarrow as pa

        table = anyio.run(self.runtime.predict, self.runtime.validator.validate(_decoded(rows)))
        assert isinstance(table, pa.Table)
        return table.to_pandas()


def _decoded(rows: Any) -> Any:
    """``rows`` as the codecs decode a request body: records, columns, or an Arrow table."""
    import pyarrow as pa

    from modelport.decoded import Columns, Rows
    from modelport.errors import InvalidInput

    if isinstance(rows, pa.Table):
        return rows
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # a pandas DataFrame
        return pa.Table.from_pandas(rows, preserve_index=False)
    if isinstance(rows, Mapping):
        from modelport.tables import json_column

        return Columns({str(k): json_column(list(v)) for k, v in rows.items()})
    if isinstance(rows, Sequence) and not isinstance(rows, str | bytes):
        return Rows(list(rows), may_hold_booleans=True)
    raise InvalidInput(
        f"cannot predict on a {type(rows).__name__}",
        hint="give a DataFrame, a list of records, a mapping of columns or a pyarrow.Table",
        field="rows",
    )
