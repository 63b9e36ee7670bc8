"""``modelport test`` (a project's unit tests, then its integration tests against its served
model) and ``modelport predict`` (one prediction, in-process or from a running server)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from modelport.cli.build_options import (
    ConventionOption,
    ConventionOptions,
    ExtraFoldersOption,
    NameOption,
    OldConventionOption,
    SampleOption,
    build_options,
    env_mode,
    key_values,
)
from modelport.cli.context import STATE
from modelport.cli.input_rows import FILE_TYPES, file_suffix, parse_json, read_file
from modelport.cli.options import EnvOption, command
from modelport.cli.output import console, print_json, print_table
from modelport.cli.targets import TARGET_HELP
from modelport.errors import ConfigError, InvalidInput, NotFound

if TYPE_CHECKING:
    import pyarrow as pa

    from modelport.builder.build import BuildResult
    from modelport.builder.testrun import TestReport

_stderr = Console(stderr=True, highlight=False, soft_wrap=True)


# --- modelport test -----------------------------------------------------------------------


def test(
    path: Annotated[Path, typer.Argument(help="The model project folder.")] = Path("."),
    pytest_args: Annotated[
        list[str] | None,
        typer.Argument(help="More pytest arguments, after `--` (e.g. -- -k iris -x)."),
    ] = None,
    name: NameOption = None,
    env: EnvOption = "auto",
    convention: ConventionOption = None,
    old_convention: OldConventionOption = None,
    extra_folder: ExtraFoldersOption = None,
    sample: SampleOption = None,
    option: ConventionOptions = None,
    ready_timeout: Annotated[
        float, typer.Option("--ready-timeout", help="Seconds the model may take to load.")
    ] = 600.0,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the outcome as JSON (pytest's own output on stderr)."),
    ] = False,
) -> None:
    """Build a project as `modelport build` does (its options too), run its unit tests
    (tests/ut), serve the new build and run its integration tests (tests/it) against it, then
    register it: only when every test passed.

    Integration tests get a client bound to the served model through the `real_time_client`
    fixture; on failure nothing is registered and the exit code is pytest's. PATH is a folder
    (write ./NAME for one in the current folder).
    """
    from modelport.builder.build import build_project
    from modelport.builder.testrun import TestsFailed
    from modelport.cli.progress import RichProgress
    from modelport.formats.detect import detect_format

    format_name = convention or old_convention
    options = build_options(
        name=name,
        env=env,
        convention=format_name,
        extra_folders=extra_folder,
        sample=sample,
        integration_tests="always",
        test_args=tuple(pytest_args or ()),
        ready_timeout=ready_timeout,
    )
    layout = detect_format(path, override=format_name).layout(
        path, extra_folders=options.extra_folders
    )
    if layout.integration_tests is None:
        raise ConfigError(
            f"{layout.root} has no integration tests (tests/it)",
            hint="add tests taking the real_time_client fixture under tests/it",
        )
    try:
        with RichProgress(Console(stderr=True, quiet=as_json)) as progress:
            built = build_project(
                path,
                store=STATE.store,
                settings=STATE.settings,
                options=options,
                format_options=key_values(option, flag="--option"),
                progress=progress,
            )
    except TestsFailed as failed:
        if failed.report.folder != layout.integration_tests:
            raise  # the unit tests: reported as a failed build is
        _report(failed.report, None, as_json=as_json)
        raise typer.Exit(failed.report.exit_code or 1) from None
    assert built.integration_tests is not None
    _report(built.integration_tests, built, as_json=as_json)


def _report(report: TestReport, built: BuildResult | None, *, as_json: bool) -> None:
    """pytest's output and a summary line (or JSON); whether the build was registered."""
    ref = f"{built.version.model}:{built.version.number}" if built else None
    if built is None:
        _stderr.print(Text("nothing registered: the integration tests did not pass"))
    else:
        registered = "registered" if built.created else "already registered"
        _stderr.print(Text(f"{registered} {ref} ({built.version.digest})"))
    if as_json:
        sys.stderr.write(report.output)
        print_json(
            {
                "version": ref,
                "registered": built is not None,
                "folder": report.folder,
                "passed": report.passed,
                "failed": report.failed,
                "skipped": report.skipped,
                "failures": report.failures,
                "exit_code": report.exit_code,
            }
        )
    else:
        sys.stdout.write(report.output)
        console.print(Text(_summary(report, ref or "the build")))


def _summary(report: TestReport, ref: str) -> str:
    counts = f"{report.passed} passed, {report.failed} failed, {report.skipped} skipped"
    line = f"integration tests of {ref} ({report.folder}): {counts}"
    if report.failures:
        line += "; failed: " + ", ".join(f.test for f in report.failures)
    elif report.exit_code == 5:
        line += " (no tests collected)"
    elif not report.ok:
        line += f" (pytest exited with code {report.exit_code})"
    return line


# --- modelport predict --------------------------------------------------------------------


def predict(
    target: Annotated[
        str,
        typer.Argument(help=f"{TARGET_HELP} With --url, the model's name on that server."),
    ],
    data: Annotated[
        str | None,
        typer.Option("--data", "-d", help="Rows as JSON, e.g. '[{\"x\": 1.0}]'."),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help=f"Rows from a file: {', '.join(FILE_TYPES)}."),
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Ask the server at this URL instead.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON records.")] = False,
    env: EnvOption = "auto",
) -> None:
    """Predict with a model and print the answer as a table (or JSON records)."""
    if (data is None) == (file is None):
        raise InvalidInput("give the rows with exactly one of --data or --file", field="--data")
    # Refuse what cannot be read before building or loading anything.
    if data is not None:
        parse_json(data.encode(), "--data")
    elif file is not None:
        file_suffix(file)
        if not file.is_file():
            raise NotFound(f"{file} does not exist", field="--file")
    table = (
        _predict_remote(url, target, data, file)
        if url is not None
        else _predict_local(target, data, file, env=env)
    )
    if table is not None:  # None: a streaming model printed its chunks as they came
        _print_result(table, as_json=as_json)


def _predict_remote(url: str, model: str, data: str | None, file: Path | None) -> pa.Table:
    import pyarrow as pa

    from modelport.client import Client

    with Client(url, model=model) as client:
        frame = client.predict(_client_rows(data, file))
    return pa.Table.from_pandas(frame, preserve_index=False)


def _predict_local(
    target: str, data: str | None, file: Path | None, *, env: str
) -> pa.Table | None:
    """The answer of the model, run by the interpreter of its own environment (None when it
    streamed its answer): ``cli/predict_here.py`` there, or here when it is this one."""
    import subprocess

    import pyarrow as pa

    from modelport.artifact.reader import open_artifact, unpacked_root
    from modelport.cli.keys_cmd import check_signed
    from modelport.cli.predict_here import predict_rows
    from modelport.cli.targets import model_python, resolve_target

    resolved = resolve_target(target, env=env_mode(env), name=None, as_version=None)
    artifact = open_artifact(
        resolved.artifact,
        max_bytes=STATE.settings.max_artifact_bytes,
        expected_digest=resolved.digest,
    )
    check_signed(artifact)  # with the require_signatures setting: before anything is unpacked
    root = unpacked_root(artifact, STATE.settings)
    python = model_python(artifact.manifest.lock, artifact.manifest.build)
    if python.parent.parent.resolve() == Path(sys.prefix).resolve():
        return predict_rows(root, data, file, name=resolved.name, version=resolved.version)
    with tempfile.TemporaryDirectory(prefix="modelport-predict-") as scratch:
        answer = Path(scratch) / "answer.arrow"
        argv = [str(python), "-m", "modelport.cli.predict_here", str(root), "--out", str(answer)]
        argv += ["--data", data] if data is not None else ["--file", str(Path(str(file)).resolve())]
        if resolved.name:
            argv += ["--name", resolved.name]
        if resolved.version is not None:
            argv += ["--version", str(resolved.version)]
        if STATE.debug:
            argv.append("--debug")
        sys.stdout.flush()
        code = subprocess.run(
            argv, check=False
        ).returncode  # its errors and chunks print as they come
        if code:
            raise typer.Exit(code)
        if not answer.exists():
            return None  # streamed
        with pa.OSFile(str(answer), "rb") as source:
            return pa.ipc.open_stream(source).read_all()


def _client_rows(data: str | None, file: Path | None) -> Any:
    """The rows of ``--data`` or ``--file`` in a form :meth:`Client.predict` takes."""
    from modelport.codecs.arrow_ipc import decode_arrow, decode_parquet
    from modelport.codecs.csv import decode_csv

    if data is not None:
        return parse_json(data.encode(), "--data")
    assert file is not None
    suffix, body = file_suffix(file), read_file(file)
    if suffix == ".json":
        return parse_json(body, str(file))
    if suffix == ".csv":
        return decode_csv(body)
    if suffix == ".parquet":
        return decode_parquet(body)
    return decode_arrow(body)


def _print_result(table: pa.Table, *, as_json: bool) -> None:
    if as_json:
        import orjson

        body = orjson.dumps(
            table.to_pylist(), option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY, default=str
        )
        sys.stdout.write(body.decode() + "\n")
        return
    print_table(None, table.column_names, (list(row.values()) for row in table.to_pylist()))


def register(app: typer.Typer) -> None:
    command(app)(test)
    command(app)(predict)
