"""Type aliases shared across modelport."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeAlias

JSON: TypeAlias = Any
"""A value that ``json.dumps`` accepts."""

JSONObject: TypeAlias = dict[str, Any]
Metadata: TypeAlias = Mapping[str, Any]
PathLike: TypeAlias = str | Path
