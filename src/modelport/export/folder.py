"""A folder an export format fills: written beside its destination, renamed into place whole."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from modelport.errors import ConfigError


@contextmanager
def export_folder(dest: Path) -> Iterator[Path]:
    """A scratch folder to write the export into, which becomes ``dest`` when the block ends
    without an error (and is removed when it raises). ``dest`` must be absent or empty: an
    export never mixes its files with others."""
    dest = Path(dest)
    if dest.exists() and not (dest.is_dir() and not any(dest.iterdir())):
        raise ConfigError(
            f"{dest} already exists",
            hint="Remove it, or give --output a new folder: an export writes a folder of its own.",
            field="--output",
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".partial"))
    try:
        yield scratch
        scratch.chmod(0o755)  # mkdtemp made it private; the result is an ordinary folder
        if dest.is_dir():
            dest.rmdir()
        scratch.rename(dest)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
