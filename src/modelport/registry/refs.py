"""Names and references in the registry: the rules they follow and the parser for ``iris:2``.

A reference names a model version in one of three ways::

    iris             the latest version of model iris
    iris:2           version 2 (``iris:latest`` is the same as ``iris``)
    iris@production  the version the alias ``production`` points at

and MLflow's model URIs mean the same: ``models:/iris/2``, ``models:/iris@production`` and
``models:/iris/latest`` (MLflow's stages, ``models:/iris/Production``, are refused with a hint:
modelport has aliases instead).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from modelport._types import JSONObject
from modelport.errors import InvalidInput

DEFAULT_WORKSPACE = "default"
"""The workspace every registry has from its first migration on."""

NAME_MAX = 63
_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
NAME_RULE = (
    f"lowercase letters, digits and '-', starting and ending with a letter or digit, "
    f"at most {NAME_MAX} characters (like a DNS label)"
)

TAG_KEY_MAX = 250
TAG_VALUE_MAX = 5000
_TAG_KEY = re.compile(r"[A-Za-z0-9_.\-/]+")
TAG_KEY_RULE = f"letters, digits, '_', '.', '-' and '/', 1 to {TAG_KEY_MAX} characters"

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def validate_name(value: object, *, field: str = "name") -> str:
    """Return ``value`` if it is a valid model, alias or workspace name; else InvalidInput."""
    if not isinstance(value, str) or len(value) > NAME_MAX or not _NAME.fullmatch(value):
        raise InvalidInput(
            f"{field} {value!r} is not a valid name",
            hint=f"Use {NAME_RULE}, e.g. 'iris-classifier'.",
            field=field,
        )
    return value


def validate_number(value: object, *, field: str = "version") -> int:
    """Return ``value`` if it is a positive version number; else InvalidInput."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(
            f"{field} {value!r} is not a version number",
            hint="Version numbers are whole numbers from 1 up, e.g. 'iris:2'.",
            field=field,
        )
    return value


def validate_tag(key: object, value: object) -> tuple[str, str]:
    """Return ``(key, value)`` if both are a valid tag; else InvalidInput naming the rule."""
    if not isinstance(key, str) or len(key) > TAG_KEY_MAX or not _TAG_KEY.fullmatch(key):
        raise InvalidInput(
            f"tag key {key!r} is not valid", hint=f"Use {TAG_KEY_RULE}.", field="tags"
        )
    if not isinstance(value, str) or len(value) > TAG_VALUE_MAX:
        raise InvalidInput(
            f"tag {key!r} has an invalid value",
            hint=f"Tag values are strings of at most {TAG_VALUE_MAX} characters.",
            field=f"tags.{key}",
        )
    return key, value


def validate_tags(tags: object) -> dict[str, str]:
    """Return a validated copy of a ``{key: value}`` tag mapping (None means no tags)."""
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise InvalidInput(
            "tags must be a mapping of strings to strings",
            hint="Pass tags like {'team': 'fraud'}.",
            field="tags",
        )
    return dict(validate_tag(k, v) for k, v in tags.items())


def validate_digest(value: object) -> str:
    """Return ``value`` if it is a ``sha256:<64 lowercase hex>`` digest; else InvalidInput."""
    if not isinstance(value, str) or not _DIGEST.fullmatch(value):
        raise InvalidInput(
            f"digest {value!r} is not valid",
            hint="Digests look like 'sha256:' followed by 64 lowercase hex characters.",
            field="digest",
        )
    return value


def validate_json_object(value: object, field: str) -> JSONObject:
    """Return ``value`` if it is a dict that can be stored as JSON; else InvalidInput."""
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be a JSON object (a dict)", field=field)
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidInput(
            f"{field} cannot be stored as JSON: {error}",
            hint="Use only dicts, lists, strings, numbers, booleans and None.",
            field=field,
        ) from error
    return value


def validate_source_format(value: object) -> str:
    """Return ``value`` if it names a source format (1 to 100 characters); else InvalidInput."""
    if not isinstance(value, str) or not 0 < len(value) <= 100:
        raise InvalidInput(
            f"source_format {value!r} is not valid",
            hint="Name the convention the model was written to, e.g. 'qwak' or 'truss'.",
            field="source_format",
        )
    return value


@dataclass(frozen=True)
class Ref:
    """A parsed reference: a model name plus at most one of a version number or an alias."""

    model: str
    number: int | None = None
    alias: str | None = None

    def __str__(self) -> str:
        if self.number is not None:
            return f"{self.model}:{self.number}"
        if self.alias is not None:
            return f"{self.model}@{self.alias}"
        return self.model


MODEL_URI_PREFIX = "models:/"
"""How MLflow's model URIs begin (``models:/iris/2``, ``models:/iris@production``)."""


def is_model_uri(text: str) -> bool:
    """Whether ``text`` is written as an MLflow model URI (``models:/...``)."""
    return isinstance(text, str) and text.startswith(MODEL_URI_PREFIX)


def parse_ref(text: str) -> Ref:
    """Parse ``iris``, ``iris:2``, ``iris:latest``, ``iris@production`` or their MLflow
    spellings ``models:/iris``, ``models:/iris/2``, ``models:/iris/latest`` and
    ``models:/iris@production`` into a :class:`Ref`."""
    bad = InvalidInput(
        f"reference {text!r} is not valid",
        hint="Write a model version as 'name', 'name:2' or 'name@alias' (or as MLflow's "
        "'models:/name/2', 'models:/name@alias'), e.g. 'iris@production'.",
        field="ref",
    )
    if is_model_uri(text):
        return _parse_model_uri(text, bad)
    if not isinstance(text, str) or (":" in text and "@" in text):
        raise bad
    if "@" in text:
        model, _, alias = text.partition("@")
        return Ref(validate_name(model, field="model"), alias=validate_name(alias, field="alias"))
    if ":" in text:
        model, _, version = text.partition(":")
        validate_name(model, field="model")
        if version == "latest":
            return Ref(model)
        if not version.isascii() or not version.isdigit():
            raise bad
        return Ref(model, number=validate_number(int(version)))
    return Ref(validate_name(text, field="model"))


def _parse_model_uri(text: str, bad: InvalidInput) -> Ref:
    rest = text.removeprefix(MODEL_URI_PREFIX)
    if "@" in rest and "/" not in rest:
        return parse_ref(rest)
    model, slash, version = rest.partition("/")
    validate_name(model, field="model")
    if not slash or version in ("", "latest"):
        return Ref(model)
    if version.isascii() and version.isdigit():
        return parse_ref(f"{model}:{version}")
    if "/" not in version and "@" not in version and ":" not in version:
        raise InvalidInput(
            f"reference {text!r} names an MLflow stage ({version!r}); modelport has aliases",
            hint=f"Point an alias at the version and write models:/{model}@{version.lower()}.",
            field="ref",
        )
    raise bad
