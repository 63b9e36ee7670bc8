"""Sizes in bytes as people write them on a command line: ``2GiB``, ``512MiB``, ``1.5GB``,
``1000000``."""

from __future__ import annotations

import re

from modelport.errors import ConfigError

UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*")


def parse_size(text: str, *, field: str) -> int:
    """``text`` in bytes; ConfigError naming ``field`` when it is not a size."""
    match = _SIZE.fullmatch(text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in UNITS or float(match.group(1)) <= 0:
        raise ConfigError(
            f"{field} {text!r} is not a size",
            hint="write bytes, or a number with a unit: 512MiB, 2GiB, 1.5GB",
            field=field,
        )
    return int(float(match.group(1)) * UNITS[unit])
