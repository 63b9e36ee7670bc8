"""Model input and output schemas on Apache Arrow, and their other forms.

A ``Field`` is one named column: the Arrow type of its elements plus, for tensors, a fixed
per-row ``shape``. Its per-row Arrow type nests fixed-size lists, outermost dimension first
(``Field("image", "float32", shape=(28, 28)).arrow_type`` is
``fixed_size_list<fixed_size_list<float32, 28>, 28>``); variable-length values are lists
(``Field("tokens", list[str])``). A ``Signature`` is the fields a model takes and returns.

From these, one function each gives JSON Schema (OpenAPI), Open Inference Protocol V2
metadata, numpy and pandas dtypes, and the YAML-safe dict of the artifact manifest.
``modelport.schema_inference`` reads a signature off sample data; type-level mappings live in
``modelport.schema_mappings``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from modelport.errors import ConfigError
from modelport.schema_mappings import (
    arrow_type_name,
    arrow_type_of,
    from_v2_datatype,
    json_schema_of,
    numpy_dtype_of,
    pandas_dtype_of,
    tensor_dims,
    to_v2_datatype,
)
from modelport.tables import is_plain

if TYPE_CHECKING:
    from pandas.api.extensions import ExtensionDtype

__all__ = [
    "Field",
    "Signature",
    "arrow_type_name",
    "arrow_type_of",
    "from_v2_datatype",
    "signature_from_arrow",
    "to_json_schema",
    "to_numpy_dtype",
    "to_pandas_dtype",
    "to_v2_datatype",
    "to_v2_tensor_metadata",
]

_DESCRIPTION = b"description"
_FIELD_KEYS = {"name", "type", "shape", "nullable", "description"}
_SIGNATURE_KEYS = {"inputs", "outputs", "strict", "free_form", "inferred"}


@dataclass(frozen=True)
class Field:
    """One named column of a model's input or output.

    ``type`` is normalised to the canonical Arrow type of the elements, and any fixed-size
    list levels in it move into ``shape``, so equal fields compare equal however declared.
    """

    name: str
    type: Any = float
    shape: tuple[int, ...] | None = None
    nullable: bool = False
    description: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(f"field name {self.name!r} is not a non-empty string")
        try:
            element = arrow_type_of(self.type)
        except ConfigError as error:
            raise ConfigError(
                f"field {self.name!r}: {error.message}", hint=error.hint, field=self.name
            ) from None
        dims = list(_checked_shape(self.name, self.shape))
        while pa.types.is_fixed_size_list(element):
            dims.append(element.list_size)
            element = element.value_type
        object.__setattr__(self, "type", element)
        object.__setattr__(self, "shape", tuple(dims) or None)

    @property
    def arrow_type(self) -> pa.DataType:
        """The Arrow type of one row's value (fixed-size lists for a shape)."""
        t: pa.DataType = self.type
        for size in reversed(self.shape or ()):
            t = pa.list_(t, size)
        return t

    def to_arrow(self) -> pa.Field[Any]:
        """This field as an Arrow field; the description travels in its metadata."""
        described = self.description is not None
        metadata = {_DESCRIPTION: str(self.description).encode()} if described else None
        return pa.field(self.name, self.arrow_type, nullable=self.nullable, metadata=metadata)

    @classmethod
    def from_arrow(cls, f: pa.Field[Any]) -> Field:
        """The field ``to_arrow`` made (fixed-size lists become ``shape``)."""
        raw = (f.metadata or {}).get(_DESCRIPTION)
        return cls(
            f.name, f.type, nullable=f.nullable, description=None if raw is None else raw.decode()
        )

    def to_dict(self) -> dict[str, Any]:
        """A YAML/JSON-safe dict; ``shape`` and ``description`` only when set."""
        out: dict[str, Any] = {"name": self.name, "type": arrow_type_name(self.type)}
        if self.shape:
            out["shape"] = list(self.shape)
        out["nullable"] = self.nullable
        if self.description is not None:
            out["description"] = self.description
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Field:
        """The field ``to_dict`` wrote; ConfigError naming the field for anything malformed."""
        if not isinstance(d, Mapping):
            raise ConfigError(f"a field must be a mapping, not {type(d).__name__}")
        name: Any = d.get("name")
        _check_keys(d, _FIELD_KEYS, f"field {name!r}", required=("name", "type"))
        if not isinstance(d["type"], str):
            raise ConfigError(
                f"field {name!r}: type must be a type name such as 'float32'", field=str(name)
            )
        nullable = d.get("nullable", False)
        description = d.get("description")
        if not isinstance(nullable, bool) or not isinstance(description, str | None):
            raise ConfigError(
                f"field {name!r}: nullable must be true/false and description a string",
                field=str(name),
            )
        shape = d.get("shape")
        return cls(name, d["type"], shape=shape, nullable=nullable, description=description)


def _checked_shape(name: str, shape: Any) -> tuple[int, ...]:
    if shape is None:
        return ()
    if isinstance(shape, int | str) or not isinstance(shape, Iterable):
        raise ConfigError(f"field {name!r}: shape {shape!r} is not a tuple of sizes", field=name)
    dims = tuple(shape)
    for size in dims:
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise ConfigError(
                f"field {name!r}: shape {list(dims)} has size {size!r}",
                hint="Shape sizes are fixed positive integers per row; "
                "use list[...] for values of varying length.",
                field=name,
            )
    return tuple(int(size) for size in dims)


def _check_keys(
    d: Mapping[str, Any], allowed: set[str], what: str, required: tuple[str, ...] = ()
) -> None:
    unknown = sorted(str(key) for key in d if key not in allowed)
    if unknown:
        raise ConfigError(
            f"{what} has unknown keys {unknown}", hint=f"Allowed keys: {sorted(allowed)}."
        )
    missing = [key for key in required if key not in d]
    if missing:
        raise ConfigError(f"{what} is missing {missing}")


@dataclass(frozen=True, init=False)
class Signature:
    """The fields a model takes (``inputs``) and returns (``outputs``), one row each.

    ``strict``: unknown input columns are refused (True) or dropped (False). ``free_form``:
    the model takes arbitrary JSON and declares no fields. ``inferred``: read off a sample.
    """

    inputs: tuple[Field, ...]
    outputs: tuple[Field, ...]
    strict: bool
    free_form: bool
    inferred: bool

    def __init__(
        self,
        inputs: Sequence[Field] = (),
        outputs: Sequence[Field] = (),
        strict: bool = True,
        free_form: bool = False,
        inferred: bool = False,
    ) -> None:
        object.__setattr__(self, "inputs", _checked_fields(inputs, "inputs"))
        object.__setattr__(self, "outputs", _checked_fields(outputs, "outputs"))
        object.__setattr__(self, "strict", strict)
        object.__setattr__(self, "free_form", free_form)
        object.__setattr__(self, "inferred", inferred)
        if free_form and (self.inputs or self.outputs):
            raise ConfigError(
                "a free-form signature declares no fields",
                hint="Drop free_form or the inputs/outputs.",
            )

    @classmethod
    def free(cls) -> Signature:
        """The signature of a model that takes and returns arbitrary JSON."""
        return cls(free_form=True)

    @property
    def input_schema(self) -> pa.Schema:
        """The inputs as an Arrow schema."""
        return pa.schema([f.to_arrow() for f in self.inputs])

    @property
    def output_schema(self) -> pa.Schema:
        """The outputs as an Arrow schema."""
        return pa.schema([f.to_arrow() for f in self.outputs])

    @property
    def plain(self) -> bool:
        """Whether it declares its inputs and its outputs, every one a flat column of numbers,
        booleans, text or bytes (``tables.is_plain``): no list, dictionary, date or time, which
        need ``pyarrow.compute`` to read, nor arbitrary JSON, which may hold any of them."""
        declared = bool(self.inputs and self.outputs)
        return declared and is_plain(self.input_schema) and is_plain(self.output_schema)

    def to_dict(self) -> dict[str, Any]:
        """A YAML/JSON-safe dict with every key."""
        return {
            "inputs": [f.to_dict() for f in self.inputs],
            "outputs": [f.to_dict() for f in self.outputs],
            "strict": self.strict,
            "free_form": self.free_form,
            "inferred": self.inferred,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Signature:
        """The signature ``to_dict`` wrote; missing keys take their defaults."""
        if not isinstance(d, Mapping):
            raise ConfigError(f"a signature must be a mapping, not {type(d).__name__}")
        _check_keys(d, _SIGNATURE_KEYS, "signature")
        sides: dict[str, list[Field]] = {}
        for side in ("inputs", "outputs"):
            items = d.get(side) or []
            if not isinstance(items, list):
                raise ConfigError(f"signature {side} must be a list of fields")
            sides[side] = [Field.from_dict(item) for item in items]
        flags = {key: d[key] for key in ("strict", "free_form", "inferred") if key in d}
        for key, value in flags.items():
            if not isinstance(value, bool):
                raise ConfigError(f"signature {key} must be true or false, not {value!r}")
        return cls(sides["inputs"], sides["outputs"], **flags)


def _checked_fields(fields: Sequence[Field], side: str) -> tuple[Field, ...]:
    if isinstance(fields, str | Mapping) or not isinstance(fields, Iterable):
        raise ConfigError(f"signature {side} must be a sequence of Field")
    out = tuple(fields)
    seen: set[str] = set()
    for f in out:
        if not isinstance(f, Field):
            raise ConfigError(f"signature {side} holds {f!r}, not a Field")
        if f.name in seen:
            raise ConfigError(f"signature {side} name {f.name!r} twice", field=f.name)
        seen.add(f.name)
    return out


def signature_from_arrow(
    inputs: pa.Schema, outputs: pa.Schema | None = None, *, inferred: bool = False
) -> Signature:
    """The signature whose input (and output) schemas are these."""
    out = [Field.from_arrow(f) for f in outputs] if outputs is not None else []
    return Signature([Field.from_arrow(f) for f in inputs], out, inferred=inferred)


def to_json_schema(obj: Field | Signature, *, side: str = "inputs") -> dict[str, Any]:
    """JSON Schema of one row's value of a Field, or of one record (row) of a Signature's
    ``side`` ("inputs" or "outputs"). A free-form signature, or a side that declares no
    fields, allows any JSON value (``{}``)."""
    if isinstance(obj, Field):
        schema = json_schema_of(obj.arrow_type)
        if obj.nullable:
            schema["type"] = [schema["type"], "null"]
        if obj.description:
            schema["description"] = obj.description
        return schema
    if side not in ("inputs", "outputs"):
        raise ValueError(f"side must be 'inputs' or 'outputs', not {side!r}")
    fields: tuple[Field, ...] = getattr(obj, side)
    if obj.free_form or not fields:
        return {}
    return {
        "type": "object",
        "properties": {f.name: to_json_schema(f) for f in fields},
        "required": [f.name for f in fields if not f.nullable],
        "additionalProperties": not obj.strict,
    }


def to_v2_tensor_metadata(f: Field) -> dict[str, Any]:
    """Open Inference Protocol V2 tensor metadata: the batch dimension first (-1), then the
    field's shape, then -1 per variable-length list level."""
    return {
        "name": f.name,
        "datatype": to_v2_datatype(f.type),
        "shape": [-1, *tensor_dims(f.arrow_type)],
    }


def to_numpy_dtype(f: Field) -> np.dtype[Any]:
    """The numpy dtype of the field's elements (object for strings and bytes)."""
    return numpy_dtype_of(f.type)


def to_pandas_dtype(f: Field) -> np.dtype[Any] | ExtensionDtype:
    """The dtype a DataFrame column of this field should hold, e.g. float64, Int64 (nullable
    int), boolean (nullable bool), object (strings, bytes, dates, lists, tensors),
    datetime64[ns]; ``schema_mappings.pandas_dtype_of`` explains the choices."""
    return pandas_dtype_of(f.arrow_type, nullable=f.nullable)
