"""Model instances pickled at build time (the native and Qwak conventions): the artifact holds the
instance its ``build()`` left, loaded again in the serving process with the project's sources
importable, as the build step had them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import cloudpickle

from modelport.errors import ArtifactError

INSTANCE_FILE = "model/instance.pkl"
"""Where, in the artifact, the pickled instance is."""


def load_instance(root: Path) -> Any:
    """The instance pickled in the unpacked artifact at ``root``; its sources (``src/``) go
    first on ``sys.path``, so the classes it refers to import."""
    source_root = root / "src"
    if str(source_root) not in sys.path:
        sys.path.insert(0, str(source_root))
    try:
        pickled = (root / INSTANCE_FILE).read_bytes()
    except FileNotFoundError:
        raise ArtifactError(
            f"the artifact has no {INSTANCE_FILE}: the model instance its build pickles",
            hint="the artifact was not made by `modelport build` or was changed; build it again",
            field=INSTANCE_FILE,
        ) from None
    return cloudpickle.loads(pickled)
