"""Wallaroo's build options: ``modelport build FILE --framework F --input-schema S
--output-schema S``.

They reach the format's build step as text (``ModelFormat.build_step(options=...)``): the
framework's name, and each schema as the base64 of ``pyarrow.Schema.serialize()`` or the path of
a pickled schema (read in the model's environment).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from modelport.formats.wallaroo.schemas import schema_to_base64

OPTION_NAMES = frozenset({"framework", "input_schema", "output_schema"})

Schema = pa.Schema | str | Path | None
"""A ``pyarrow.Schema``, the base64 of its serialization, or the path of a pickled one."""


def upload_options(
    *, framework: str | None = None, input_schema: Schema = None, output_schema: Schema = None
) -> dict[str, str]:
    """The options of a Wallaroo upload, as its build step reads them (unset ones left out)."""
    options = {
        "framework": framework,
        "input_schema": _schema_text(input_schema),
        "output_schema": _schema_text(output_schema),
    }
    return {key: value for key, value in options.items() if value is not None}


def _schema_text(schema: Schema) -> str | None:
    if isinstance(schema, pa.Schema):
        return schema_to_base64(schema)
    if isinstance(schema, Path) or (schema is not None and _is_file(schema)):
        return str(Path(schema).resolve())  # the build step runs in another folder
    return schema


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except OSError:  # a long base64 text is no file name
        return False
