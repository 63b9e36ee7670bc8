"""What a batch job is (its inputs, its output, the model) and what it reports when done, with
their JSON forms: the command hands a job to a process in the model's environment, and that
process to its chunk workers, as JSON."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelport.batch_inference.files import EXTENSIONS, FileFormat, InputFile


@dataclass(frozen=True)
class BatchJob:
    """What to answer (the inputs, by the model ``model``) and where the answers go."""

    inputs: tuple[InputFile, ...]
    output: Path
    output_format: FileFormat
    into_folder: bool
    """The output is a folder of part files, rather than one file."""
    chunk_rows: int | None
    """Rows per chunk; None: sized from the model's row width (``chunks.default_chunk_rows``)."""
    model: str
    """What identifies the model (its artifact's digest)."""
    keep: tuple[str, ...] = ()
    skip_failures: bool = False

    @property
    def parts_folder(self) -> Path:
        return (
            self.output if self.into_folder else self.output.with_name(self.output.name + ".parts")
        )

    @property
    def errors_output(self) -> Path:
        """The file the refused rows are joined into (for a file output)."""
        suffix = self.output.suffix or EXTENSIONS[self.output_format]
        return self.output.with_name(f"{self.output.stem}.errors{suffix}")

    @property
    def identity(self) -> dict[str, Any]:
        """What a run must share with an earlier one to reuse its finished chunks (``--on-error``
        may change: a run stopped by a bad row goes on with ``skip``; so may ``--workers``: a
        chunk is the same rows however many processes answer)."""
        return {
            "model": self.model,
            "inputs": [source.identity for source in self.inputs],
            "chunk_rows": self.chunk_rows,
            "output_format": self.output_format,
            "keep": list(self.keep),
        }


@dataclass(frozen=True)
class JobSummary:
    rows: int
    failed: int
    chunks: int
    reused: int
    """Chunks an earlier run had finished, not answered again."""
    output: Path
    errors: Path | None


def job_to_json(job: BatchJob) -> dict[str, Any]:
    body = dataclasses.asdict(job)
    body["output"] = str(job.output)
    body["inputs"] = [{**vars(source), "path": str(source.path)} for source in job.inputs]
    return body


def job_from_json(body: dict[str, Any]) -> BatchJob:
    inputs = tuple(
        InputFile(**{**source, "path": Path(source["path"])}) for source in body["inputs"]
    )
    return BatchJob(
        **{**body, "inputs": inputs, "output": Path(body["output"]), "keep": tuple(body["keep"])}
    )


def summary_to_json(summary: JobSummary) -> dict[str, Any]:
    body = dataclasses.asdict(summary)
    body["output"] = str(summary.output)
    body["errors"] = None if summary.errors is None else str(summary.errors)
    return body


def summary_from_json(body: dict[str, Any]) -> JobSummary:
    errors = body["errors"]
    return JobSummary(
        **{
            **body,
            "output": Path(body["output"]),
            "errors": None if errors is None else Path(errors),
        }
    )
