"""A DEEPaaS model's declared arguments (webargs / marshmallow fields) as a request schema.

``get_predict_args()`` and ``get_train_args()`` return ``{name: field}``. Fields written for
webargs 5.5 carry ``description``, ``location`` and ``type`` as keyword arguments (marshmallow 3
keeps them in ``field.metadata``); fields written for current marshmallow pass ``metadata=``.
Both are read the same way. Validation, defaults (``missing`` / ``load_default``), ``required``
and ``validate`` are marshmallow's own, so the messages are the ones DEEPaaS answers with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import marshmallow
from marshmallow import fields as mfields
from marshmallow import validate as mvalidate

from modelport.errors import ConfigError, InvalidInput

ACCEPT = "accept"
ANY_TYPE = "*/*"


class InvalidArguments(InvalidInput):
    """Arguments that do not satisfy the model's fields; ``messages`` is marshmallow's dict."""

    def __init__(self, messages: dict[str, Any]) -> None:
        names = ", ".join(sorted(messages))
        super().__init__(f"invalid arguments: {names}", field=names)
        self.messages = messages


def field_info(declared: mfields.Field[Any], key: str) -> Any:
    """A webargs keyword (``description``, ``location``, ``type``, ``enum``) of a field."""
    value = declared.metadata.get(key)
    return value if value is not None else getattr(declared, key, None)


def is_file(declared: mfields.Field[Any]) -> bool:
    return bool(field_info(declared, "type") == "file")


def choices_of(declared: mfields.Field[Any]) -> list[str] | None:
    """The allowed values of a field (its ``OneOf`` validator, else its ``enum``)."""
    for validator in getattr(declared, "validators", []):
        if isinstance(validator, mvalidate.OneOf):
            return [str(c) for c in validator.choices]
    enum = field_info(declared, "enum")
    return [str(c) for c in enum] if enum else None


@dataclass
class Arguments:
    """One function's arguments: parse request values into validated keyword arguments."""

    fields: dict[str, mfields.Field[Any]]
    schema: marshmallow.Schema = field(init=False)
    accept_choices: list[str] | None = field(init=False, default=None)
    """The declared media types, then ``*/*`` (which DEEPaaS also accepts, unlisted)."""

    def __post_init__(self) -> None:
        declared = dict(self.fields)
        accept = declared.pop(ACCEPT, None)
        if accept is not None:
            self.accept_choices = [*(choices_of(accept) or []), ANY_TYPE]
        schema_class = marshmallow.Schema.from_dict(declared, name="DeepaasArguments")
        self.schema = schema_class(unknown=marshmallow.EXCLUDE)

    @classmethod
    def declared(cls, declared: Any, *, function: str) -> Arguments:
        """Check what ``function`` returned: a mapping of names to marshmallow fields."""
        if declared is None:
            return cls({})
        if not isinstance(declared, Mapping):
            raise ConfigError(
                f"{function}() returned {type(declared).__name__}, not a dict of fields",
                hint="return {'name': webargs.fields.Str(...), ...}",
            )
        for name, value in declared.items():
            if not isinstance(value, mfields.Field):
                raise ConfigError(
                    f"{function}() argument {name!r} is {type(value).__name__}, not a field",
                    hint="use webargs.fields / marshmallow.fields (e.g. fields.Str(...))",
                    field=name,
                )
        return cls(dict(declared))

    @property
    def file_names(self) -> set[str]:
        return {name for name, declared in self.fields.items() if is_file(declared)}

    def is_list(self, name: str) -> bool:
        return isinstance(self.fields.get(name), mfields.List)

    def parse(
        self, values: Mapping[str, Any], *, accept_header: str | None = None
    ) -> dict[str, Any]:
        """Validated keyword arguments from ``values`` (lists for list fields, else one value);
        ``accept`` comes from the argument, else the ``Accept`` header, else its first choice."""
        data = {k: v for k, v in values.items() if k != ACCEPT}
        errors: dict[str, Any] = {}
        try:
            parsed: dict[str, Any] = self.schema.load(data)
        except marshmallow.ValidationError as exc:
            messages = exc.messages
            errors.update(messages if isinstance(messages, dict) else {"_schema": messages})
            parsed = {}
        if self.accept_choices is not None:
            accept = self._accept(values.get(ACCEPT), accept_header)
            if accept in self.accept_choices:
                parsed[ACCEPT] = accept
            else:
                declared = self.accept_choices[:-1]
                errors[ACCEPT] = [f"Must be one of: {', '.join(declared)}."]
        if errors:
            raise InvalidArguments(errors)
        return parsed

    def _accept(self, value: Any, header: str | None) -> str:
        choices = self.accept_choices or []
        if value:
            return str(value)
        if not header:
            return choices[0]
        offered = [part.split(";")[0].strip() for part in header.split(",")]
        return next((media for media in offered if media in choices), header)

    def example_query(self) -> str:
        """A query string giving a made-up value to every required argument but files."""
        values = [
            (name, _example_value(declared))
            for name, declared in self.fields.items()
            if declared.required and not is_file(declared) and name != ACCEPT
        ]
        return urlencode(values)


def _example_value(declared: mfields.Field[Any]) -> str:
    """A value the field accepts, as request text: its first choice, else one of its type."""
    if isinstance(declared, mfields.List):
        declared = declared.inner
    choices = choices_of(declared)
    if choices:
        return choices[0]
    if isinstance(declared, mfields.Boolean):
        return "true"
    if isinstance(declared, mfields.Integer):
        return "1"
    if isinstance(declared, mfields.Number):
        return "0.5"
    return "text"
