"""Pickling a built model, and naming the attribute that cannot be pickled when it fails
(Qwak's rule: model fields must be picklable; an S3 client, for one, is not)."""

from __future__ import annotations

from typing import Any

import cloudpickle

from modelport.errors import BuildFailed


def pickle_model(instance: Any) -> bytes:
    try:
        pickled: bytes = cloudpickle.dumps(instance)
        return pickled
    except Exception as exc:
        cls = type(instance).__name__
        culprit = _unpicklable_attribute(instance)
        if culprit is None:
            raise BuildFailed(
                f"the built {cls} cannot be pickled: {type(exc).__name__}: {exc}",
                hint="model fields must be picklable objects",
            ) from exc
        name, value, error = culprit
        raise BuildFailed(
            f"{cls}.{name} (a {type(value).__name__}) cannot be pickled after build(): {error}",
            hint=f"do not keep {type(value).__name__} objects on the model: create it in "
            "initialize_model() (which runs when serving starts) or where it is used, and "
            "set the field to None in build()",
            field=name,
        ) from exc


def _unpicklable_attribute(instance: Any) -> tuple[str, Any, str] | None:
    fields = getattr(instance, "__dict__", None) or {}
    for name, value in fields.items():
        try:
            cloudpickle.dumps(value)
        except Exception as exc:
            return name, value, f"{type(exc).__name__}: {exc}"
    return None
