"""Wallaroo's input and output schemas: Arrow schemas given three ways (``formats.schema_sources``
reads them), and the modelport signature of a model's two schemas.
"""

from __future__ import annotations

import pyarrow as pa

from modelport.errors import ConfigError
from modelport.formats.schema_sources import SchemaSource, read_schema, schema_to_base64
from modelport.schema import Signature, signature_from_arrow

__all__ = ["SchemaSource", "read_schema", "schema_to_base64", "signature_of"]


def signature_of(inputs: pa.Schema, outputs: pa.Schema) -> Signature:
    """The modelport signature of a Wallaroo model's two schemas."""
    try:
        return signature_from_arrow(inputs, outputs)
    except ConfigError as exc:
        raise ConfigError(
            f"the schemas hold a type modelport cannot serve: {exc.message}",
            hint=exc.hint,
            field=exc.field,
        ) from None
