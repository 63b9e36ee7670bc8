"""What a file argument reaches a DEEPaaS model as.

DEEPaaS hands ``predict`` (and here ``train``) a ``deepaas.model.v2.wrapper.UploadedFile``
(a namedtuple of ``name``, ``filename``, ``content_type``, ``original_filename``), and models
written for it may check ``isinstance(data, UploadedFile)``. Where deepaas is installed in the
model's environment, files arrive as that very class; elsewhere as :class:`UploadedFile`, a
namedtuple with the same fields. deepaas is imported once, on the first upload: importing it
loads aiohttp and oslo.config, which a server whose models take no files never needs.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any, NamedTuple

log = logging.getLogger("modelport.deepaas")


class UploadedFile(NamedTuple):
    """A file argument, as DEEPaaS passes it: ``filename`` is a temporary file's path."""

    name: str
    filename: str
    content_type: str | None
    original_filename: str | None


FIELDS = UploadedFile._fields
"""DEEPaaS's own class has these fields, in this order."""


@cache
def uploaded_file_type() -> type[Any]:
    """DEEPaaS's ``UploadedFile`` when deepaas imports in this environment, else modelport's."""
    try:
        from deepaas.model.v2.wrapper import UploadedFile as DeepaasUploadedFile
    except Exception as exc:
        missing = isinstance(exc, ModuleNotFoundError) and (exc.name or "").startswith("deepaas")
        if not missing:  # installed but broken: files still reach the model, as modelport's
            log.warning(
                "deepaas is installed but does not import (%s: %s); uploaded files reach "
                "the model as modelport's UploadedFile",
                type(exc).__name__,
                exc,
            )
        return UploadedFile
    found: type[Any] = DeepaasUploadedFile
    return found


def uploaded_file(
    *, name: str, filename: str, content_type: str | None, original_filename: str | None
) -> Any:
    """A file argument, of the class :func:`uploaded_file_type` chooses."""
    return uploaded_file_type()(
        name=name, filename=filename, content_type=content_type, original_filename=original_filename
    )


def is_uploaded_file(value: Any) -> bool:
    """Whether ``value`` is a file argument, of either class (told by its fields, so deepaas is
    not imported to ask)."""
    return isinstance(value, tuple) and getattr(type(value), "_fields", None) == FIELDS
