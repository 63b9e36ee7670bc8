"""One prediction in this interpreter: what ``modelport predict`` runs in a model's environment.

``python -m modelport.cli.predict_here ROOT (--data JSON | --file PATH) --out FILE`` loads the
unpacked artifact at ``ROOT``, predicts on the rows and writes the answer to ``FILE`` (Arrow IPC)
for the command to print; a model that streams prints its chunks here as they come, one line
each, and writes no file. Errors are one ``error: ...`` line and exit code 1 (the traceback with
``--debug``). It imports neither Typer nor Rich: model environments hold the serving runtime, not
the command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from modelport.errors import report_failure

if TYPE_CHECKING:
    import pyarrow as pa

    from modelport.batch import Batch
    from modelport.serving.runtime import ModelRuntime


def predict_rows(
    root: Path,
    data: str | None,
    file: Path | None,
    *,
    name: str | None = None,
    version: int | None = None,
) -> pa.Table | None:
    """The model's answer to the rows of ``data`` or ``file`` (None when it streamed its answer
    to stdout instead)."""
    import anyio

    from modelport.cli.input_rows import read_batch
    from modelport.serving.loader import load_unpacked
    from modelport.serving.runtime import ModelRuntime

    servable = load_unpacked(root, name=name)
    runtime = ModelRuntime(servable, version=version, threads=1, inline=False)
    batch = read_batch(data, file, runtime.validator)
    runtime.load()
    if runtime.streams:
        anyio.run(_print_stream, runtime, batch)
        return None
    table: pa.Table = anyio.run(runtime.predict, batch)
    return table


async def _print_stream(runtime: ModelRuntime, batch: Batch) -> None:
    from modelport.serving.streaming import chunk_json

    async for chunk in runtime.stream(batch):
        text = chunk if isinstance(chunk, str) else chunk_json(chunk).decode()
        sys.stdout.write(text.rstrip("\n") + "\n")
        sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m modelport.cli.predict_here")
    parser.add_argument("root", type=Path)
    rows = parser.add_mutually_exclusive_group(required=True)
    rows.add_argument("--data")
    rows.add_argument("--file", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--name")
    parser.add_argument("--version", type=int)
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(argv)
    try:
        table = predict_rows(args.root, args.data, args.file, name=args.name, version=args.version)
    except Exception as exc:  # as the command reports them (cli/main.py)
        return report_failure(exc, debug=args.debug)
    if table is not None:
        import pyarrow as pa

        with pa.OSFile(str(args.out), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as out:
            out.write_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
