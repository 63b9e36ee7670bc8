"""``python -m modelport.export.unpack ARTIFACT DEST``: an artifact's files, each checked against
its manifest's sha256, unpacked into ``DEST`` (a step of an exported Docker image's build: the
image then serves ``DEST`` with ``python -m modelport.serving``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from modelport.artifact.reader import open_artifact
from modelport.errors import ModelportError


def main(argv: list[str] | None = None) -> int:
    """Unpack; 1 with the reason on stderr when the artifact is not whole."""
    parser = argparse.ArgumentParser(
        prog="python -m modelport.export.unpack",
        description="Check a modelport artifact and unpack it into a folder to serve.",
    )
    parser.add_argument("artifact", type=Path, help="the artifact zip")
    parser.add_argument("dest", type=Path, help="the folder to unpack into (absent or empty)")
    args = parser.parse_args(argv)
    try:
        open_artifact(args.artifact).extract(args.dest)
    except ModelportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
