"""What the suite needs to know about one server: how to start it and which routes to load."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from payloads import ARROW_STREAM, JSON, AnswerKind, BodyKind


@dataclass(frozen=True)
class Route:
    """One HTTP route of a server, with the body it takes and the answer it gives."""

    label: str  # e.g. "native JSON"
    path: str  # e.g. "/v1/models/iris-svc/predict"
    body: BodyKind
    answer: AnswerKind
    key: bool = False  # the key route of its server: single-row c=8 is repeated on it

    @property
    def content_type(self) -> str:
        return ARROW_STREAM if self.body is BodyKind.ARROW else JSON

    @property
    def accept(self) -> str:
        return ARROW_STREAM if self.answer is AnswerKind.ARROW else JSON


@dataclass(frozen=True)
class ServerSpec:
    """A server under test: the command that starts it and the routes to measure."""

    name: str  # short id, e.g. "mlserver"
    label: str  # table label, e.g. "MLServer 1.7.1 (sklearn runtime)"
    command: tuple[str, ...]
    port: int  # where it answers HTTP
    routes: tuple[Route, ...]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    modelport: bool = False
    notes: str = ""
    compared_only: bool = False  # loaded in turns only: no cold starts, no per-scenario loads
    grpc: tuple[int, str] | None = None  # Open Inference V2 over gRPC: port, tensor layout
