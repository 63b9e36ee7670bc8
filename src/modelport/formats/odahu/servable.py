"""A Servable over a GPPI entrypoint: generic protocols' batches become a matrix with its column
names (matrix mode) or a list of objects (objects mode); the Odahu route's own requests are
answered by :meth:`OdahuServable.invoke` exactly as Odahu's model server answered them."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from modelport.batch import Batch
from modelport.errors import InvalidInput, ModelFailed
from modelport.formats.odahu.gppi import GppiModel, load_gppi
from modelport.formats.odahu.manifest import OdahuManifest
from modelport.schema import Signature
from modelport.servable import Servable


class OdahuServable(Servable):
    """One OMAF artifact's GPPI entrypoint, imported and initialised once per process."""

    source_format = "odahu"

    def __init__(
        self,
        root: Path,
        manifest: OdahuManifest,
        *,
        name: str,
        signature: Signature,
        metadata: dict[str, Any],
        example: dict[str, Any] | None = None,
    ) -> None:
        self.root = root
        self.manifest = manifest
        self.name = name
        self.signature = signature
        self.metadata = metadata
        self.example = [example] if example else None
        self._model: GppiModel | None = None
        self._encoder: type[json.JSONEncoder] = json.JSONEncoder
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        """``model.name`` of the manifest (the Model-Name header)."""
        return self.manifest.name

    @property
    def model_version(self) -> str:
        """``model.version`` of the manifest (the Model-Version header)."""
        return self.manifest.version

    def load(self) -> None:
        with self._lock:
            if self._model is None:
                model = load_gppi(self.root, self.manifest)
                with model.working():
                    self._encoder = model.json_encoder()
                self._model = model

    @property
    def gppi(self) -> GppiModel:
        if self._model is None:
            self.load()
        assert self._model is not None
        return self._model

    def predict(self, batch: Batch) -> pa.Table:
        model = self.gppi
        with model.working():
            if model.mode == "objects":
                answer = model.predict_on_objects(batch.records())
                return pa.Table.from_pylist(self._plain(_as_list(answer)))
            rows = [list(row.values()) for row in batch.records()]
            result, names = model.predict_on_matrix(rows, list(batch.names))
            return _matrix_table(self._plain(_as_list(result)), names, self.signature)

    def invoke(self, body: Any) -> bytes:
        """Odahu's ``POST /api/model/invoke``: ``{"columns": [...], "data": [[...]]}`` in,
        ``{"prediction": [[...]], "columns": [...]}`` out (objects mode: a list of objects in,
        ``{"prediction": [...]}`` out), written with the entrypoint's JSON serializer."""
        model = self.gppi
        with model.working():
            if model.mode == "objects":
                answer: dict[str, Any] = {"prediction": model.predict_on_objects(_objects_of(body))}
            else:
                data, columns = _matrix_of(body)
                result, names = model.predict_on_matrix(data, columns)
                answer = {"prediction": _as_list(result), "columns": names}
            try:
                return json.dumps(answer, cls=self._encoder).encode()
            except (TypeError, ValueError) as exc:
                raise ModelFailed(
                    f"the prediction cannot be written as JSON: {exc}",
                    hint="return JSON-friendly values, or a serializer from "
                    "get_output_json_serializer()",
                ) from exc

    def _plain(self, values: Any) -> Any:
        """Values as the entrypoint's serializer writes them (numpy and custom types too)."""
        return json.loads(json.dumps(values, cls=self._encoder))


def _as_list(result: Any) -> Any:
    tolist = getattr(result, "tolist", None)
    if callable(tolist) and type(result).__module__ == "numpy":
        return tolist()
    to_numpy = getattr(result, "to_numpy", None)
    if callable(to_numpy) and type(result).__module__.startswith("pandas"):
        return to_numpy().tolist()
    return list(result) if isinstance(result, tuple) else result


def _matrix_table(rows: Any, names: list[str], signature: Signature) -> pa.Table:
    if not isinstance(rows, list):
        raise ModelFailed(f"predict_on_matrix returned {type(rows).__name__}, not a matrix")
    rows = [row if isinstance(row, list) else [row] for row in rows]
    width = max((len(row) for row in rows), default=len(names))
    if len(names) != width:
        declared = [f.name for f in signature.outputs]
        names = declared if len(declared) == width else [f"column_{i}" for i in range(width)]
    columns = [pa.array([row[i] for row in rows]) for i in range(width)]
    return pa.Table.from_arrays(columns, names=names)


def _matrix_of(body: Any) -> tuple[list[list[Any]], list[str] | None]:
    if not isinstance(body, Mapping) or "data" not in body:
        raise InvalidInput(
            "the body has no `data`",
            hint='send {"columns": ["a", "b"], "data": [[1, 2]]} (columns are optional)',
            field="data",
        )
    data, columns = body["data"], body.get("columns")
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise InvalidInput(
            "`data` is not a list of rows", hint="send [[1, 2], [3, 4]]", field="data"
        )
    if columns is not None and (
        not isinstance(columns, list) or not all(isinstance(c, str) for c in columns)
    ):
        raise InvalidInput(
            "`columns` is not a list of names", hint='send ["a", "b"]', field="columns"
        )
    if not data:  # Odahu's runner refuses it too ("Matrix is not provided")
        raise InvalidInput(
            "`data` holds no rows: the matrix is empty",
            hint='send at least one row: {"columns": ["a", "b"], "data": [[1, 2]]}',
            field="data",
        )
    return data, columns


def _objects_of(body: Any) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, Mapping) and "data" in body and body.get("columns"):
        data, columns = _matrix_of(body)
        assert columns is not None
        return [dict(zip(columns, row, strict=False)) for row in data]
    raise InvalidInput(
        "an objects-mode model takes a list of objects",
        hint='send [{"a": 1, "b": 2}]',
        field="body",
    )
