"""Arrow schemas given as text or files: the form Wallaroo's uploads and MLflow conversions use.

From Python a ``pyarrow.Schema``; in an upload request (and on the command line) the base64 of
``pyarrow.Schema.serialize()``; or the path of a file holding a pickled ``pyarrow.Schema``.
Several conventions read them, so they are read here, once.
"""

from __future__ import annotations

import base64
import binascii
import pickle
from pathlib import Path

import pyarrow as pa

from modelport.errors import ConfigError

SchemaSource = pa.Schema | str | Path

_HOW = (
    "give a pyarrow.Schema, the base64 of schema.serialize(), "
    "or the path of a file holding a pickled pyarrow.Schema"
)


def schema_to_base64(schema: pa.Schema) -> str:
    """The form an upload request carries: ``base64(schema.serialize())``."""
    return base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")


def read_schema(source: SchemaSource, *, field: str) -> pa.Schema:
    """The Arrow schema ``source`` gives; ConfigError naming ``field`` when it gives none."""
    if isinstance(source, pa.Schema):
        return source
    if isinstance(source, Path) or _looks_like_path(source):
        return _unpickled(Path(source), field=field)
    try:
        raw = base64.b64decode(source.strip(), validate=True)
        schema = pa.ipc.read_schema(pa.py_buffer(raw))
    except (binascii.Error, ValueError, pa.ArrowInvalid) as exc:
        raise ConfigError(
            f"{field} is neither a schema file nor the base64 of a serialized Arrow schema "
            f"({type(exc).__name__}: {exc})",
            hint=_HOW,
            field=field,
        ) from None
    return schema


def _looks_like_path(text: str) -> bool:
    if text.endswith((".pkl", ".pickle", ".schema")):
        return True
    try:
        return Path(text).is_file()
    except OSError:  # a long base64 text is no file name
        return False


def _unpickled(path: Path, *, field: str) -> pa.Schema:
    if not path.is_file():
        raise ConfigError(f"{field}: schema file {path} does not exist", hint=_HOW, field=field)
    try:
        schema = pickle.loads(path.read_bytes())
    except Exception as exc:
        raise ConfigError(
            f"{field}: {path} is not a pickled schema ({type(exc).__name__}: {exc})",
            hint=_HOW,
            field=field,
        ) from None
    if not isinstance(schema, pa.Schema):
        raise ConfigError(
            f"{field}: {path} holds a pickled {type(schema).__name__}, not a pyarrow.Schema",
            hint=_HOW,
            field=field,
        )
    return schema
