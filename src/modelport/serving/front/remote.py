"""A model running in a worker of its own environment, as a :class:`Servable` of this process:
what a pipeline holds for a step whose environment is not the pipeline's.

``load`` starts the worker (``python -m modelport.serving`` with the step's interpreter, on a
Unix socket); ``predict`` sends the validated rows as an Arrow IPC stream to the worker's native
route and reads its answer back as one: columns cross the process boundary as Arrow buffers,
never as JSON or pickles. A worker that died is started again by the next call.
"""

from __future__ import annotations

import atexit
import itertools
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

import anyio.from_thread
import orjson
import pyarrow as pa

from modelport._types import JSONObject
from modelport.batch import Batch
from modelport.codecs.arrow_ipc import ARROW_STREAM, decode_arrow, encode_arrow
from modelport.errors import ModelFailed, ModelportError, error_class_for
from modelport.schema import Signature
from modelport.servable import Servable
from modelport.serving.front.worker import ModelWorker, WorkerSpec

__all__ = ["WorkerServable", "problem_error"]


class WorkerServable(Servable):
    """The model ``spec`` serves, predicting in its worker process."""

    is_async = True

    def __init__(self, spec: WorkerSpec, signature: Signature, metadata: JSONObject) -> None:
        self.name = spec.name
        self.signature = signature
        self.metadata = metadata
        self.worker = ModelWorker(spec, _socket_folder() / f"step-{next(_numbers)}.sock")

    def load(self) -> None:
        """Start the worker and wait until its model is ready. Called from the runtime's loading
        thread of a one-process server: the worker starts from the event loop's thread, which
        lives as long as the server (the tether ends the worker when that thread ends)."""
        anyio.from_thread.run(self.worker.ensure_started)

    async def predict(self, batch: Batch) -> pa.Table:
        client = await self.worker.ensure_started()
        start = self.worker.starts
        path = f"/v1/models/{quote(self.name, safe='')}/predict"
        media = ARROW_STREAM.encode()
        headers = [(b"content-type", media), (b"accept", media)]
        try:
            answer = await client.request("POST", path, headers, encode_arrow(batch.table()))
            body = await answer.read()
        except OSError as exc:  # UpstreamError too
            cause = await self.worker.exit_cause(start)
            raise ModelFailed(
                f"the worker of {self.name} ended during this call ({cause or exc}); the next "
                "call starts it again"
            ) from exc
        if answer.status != 200:
            raise problem_error(answer.status, body)
        return decode_arrow(body)


_folder: Path | None = None
_numbers = itertools.count(1)


def _socket_folder() -> Path:
    """The folder of this process's worker sockets (only this user may enter it), removed at
    exit, when the workers end too (each is tethered to this process: SIGKILL as it ends,
    after its server drained the requests that called them)."""
    global _folder
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="modelport-steps-"))
        atexit.register(shutil.rmtree, _folder, True)
    return _folder


def problem_error(status: int, body: bytes) -> ModelportError:
    """A model server's problem answer (RFC 9457 details) as the error it was there: its
    status, message and field kept (a step's 4xx stays a 4xx naming the field)."""
    try:
        problem = orjson.loads(body)
    except orjson.JSONDecodeError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    error = error_class_for(status, problem.get("title"))
    detail = problem.get("detail") or body.decode("utf-8", "replace")
    return error(str(detail), field=problem.get("field"))
