"""The build step, run inside the model's environment: ``python -m modelport.builder.worker``.
The format's build options arrive on stdin, as a JSON object.

It imports the user's code (which only the model's environment can), runs the format's build
step, and writes ``result.json`` into the output folder: either the build output or the error.
The building process reads that file; it never imports user code itself. With ``--parent PID``
it dies with the building process (``tether.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any

from modelport.errors import ModelportError
from modelport.formats.detect import get_format
from modelport.tether import tether

RESULT_FILE = "result.json"


def read_sample(path: Path) -> Any:
    """A sample input file (.json records or columns, .csv, .parquet) as a DataFrame or records."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    return json.loads(path.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="modelport.builder.worker")
    parser.add_argument("--format", required=True)
    parser.add_argument("--project", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--extra-folder", action="append", default=[])
    parser.add_argument("--sample", type=Path)
    parser.add_argument("--parent", type=int, help="die when this process (the build) ends")
    args = parser.parse_args(argv)
    if args.parent is not None:
        tether(args.parent)
    options = _options(sys.stdin.read())
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    os.chdir(args.project)
    try:
        adapter = get_format(args.format)
        layout = adapter.layout(args.project, extra_folders=tuple(args.extra_folder))
        sample = read_sample(args.sample) if args.sample else None
        output = adapter.build_step(layout, out, sample=sample, options=options)
        result: dict[str, Any] = {"ok": True, "output": asdict(output)}
    except ModelportError as exc:
        result = _failure(exc, kind=type(exc).__name__)
    except Exception as exc:
        result = _failure(exc, kind="user")
    (out / RESULT_FILE).write_text(json.dumps(result, default=str))
    return 0 if result["ok"] else 1


def _options(text: str) -> dict[str, str]:
    """The convention's build options the building process sends on stdin, as a JSON object
    (Wallaroo's framework and schemas; a schema can be larger than a command line may be)."""
    if not text.strip():
        return {}
    options = json.loads(text)
    return {str(key): str(value) for key, value in options.items()}


def _failure(exc: BaseException, *, kind: str) -> dict[str, Any]:
    message = str(exc) if kind != "user" else f"{type(exc).__name__}: {exc}"
    return {
        "ok": False,
        "error": {"kind": kind, "message": message, "traceback": traceback.format_exc()},
    }


if __name__ == "__main__":
    raise SystemExit(main())
