"""How ``modelport deploy`` prints deployment records: a table (``ls`` and what a deploy made),
one record's fields (``status``), or JSON with the table's columns and more."""

from __future__ import annotations

from typing import Any

from modelport.cli.output import print_json, print_table
from modelport.deploy.records import DeploymentRecord

__all__ = ["COLUMNS", "print_records", "record_dict", "record_fields"]

COLUMNS = ["name", "target", "model", "version", "replicas", "state", "url"]


def record_dict(record: DeploymentRecord) -> dict[str, Any]:
    """``record`` as ``--json`` prints it: the table's columns, its reference and creation
    time, and whether it runs a pipeline, with its steps."""
    return {column: getattr(record, column) for column in [*COLUMNS, "reference", "created"]} | {
        "created": record.created.isoformat(),
        "pipeline": record.pipeline,
        "steps": list(record.steps),
    }


def record_fields(record: DeploymentRecord) -> list[tuple[str, Any]]:
    """``record``'s fields as ``deploy status`` prints them, under its name."""
    return [(column, _cell(record, column)) for column in [*COLUMNS[1:], "reference", "created"]]


def _cell(record: DeploymentRecord, column: str) -> Any:
    """What a table shows of ``record`` in ``column``: a pipeline's name says it is one."""
    if column == "model" and record.pipeline:
        return f"{record.model} (pipeline)"
    return getattr(record, column)


def print_records(records: list[DeploymentRecord], *, as_json: bool) -> None:
    """A table of ``records``, or with ``as_json`` a JSON list of them."""
    if as_json:
        print_json([record_dict(record) for record in records])
        return
    print_table(None, COLUMNS, [[_cell(r, column) for column in COLUMNS] for r in records])
