"""Wallaroo's naming rule: model and pipeline names are DNS labels (``[a-z0-9-]``)."""

from __future__ import annotations

import re

from modelport.errors import InvalidInput

_DNS_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
_NOT_DNS = re.compile(r"[^a-z0-9-]+")
MAX_LENGTH = 63


def suggested_name(name: str) -> str:
    """``name`` made DNS-compliant: lowercase, runs of other characters turned into '-'."""
    fixed = _NOT_DNS.sub("-", name.lower()).strip("-")
    return fixed[:MAX_LENGTH].strip("-") or "model"


def check_dns_name(name: str, *, field: str = "name") -> str:
    """``name`` if it is DNS-compliant; else InvalidInput suggesting the fixed name."""
    if len(name) <= MAX_LENGTH and _DNS_LABEL.fullmatch(name):
        return name
    refused = sorted({c for c in name if not re.fullmatch(r"[a-z0-9-]", c)})
    because = (
        f"it holds {', '.join(repr(c) for c in refused)}"
        if refused
        else "it must start and end with a letter or digit"
    )
    if len(name) > MAX_LENGTH:
        because = f"it is longer than {MAX_LENGTH} characters"
    raise InvalidInput(
        f"{field} {name!r} is not DNS-compliant ({because}); names use only lowercase "
        "letters, digits and '-'",
        hint=f"use {suggested_name(name)!r}",
        field=field,
    )
