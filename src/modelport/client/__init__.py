"""``modelport.Client`` and ``modelport.AsyncClient``: call a served model over HTTP and get a
pandas DataFrame back.

::

    with modelport.Client("http://127.0.0.1:8080", model="iris") as client:
        client.predict([{"sepal_length": 5.1, ...}])    # -> DataFrame, one row per input row

    async with modelport.AsyncClient("http://127.0.0.1:8080") as client:
        await client.predict([{"sepal_length": 5.1, ...}])

``predict`` takes a list of records, a list of lists (positional to the model's inputs), a dict
of columns (or one record as a dict of values), a DataFrame, a 2-D numpy array or an Arrow table;
it always answers with a DataFrame (a one-output, one-row answer is a 1x1 DataFrame, not a
scalar: compare ``result["species"].tolist() == [1]`` or ``result.iloc[0, 0] == 1``).

Bodies go as JSON records (``transport="json"``, the default) or as an Arrow IPC stream
(``transport="arrow"``: typed columns, no JSON on either side); positional rows always go as
JSON, since only the server knows the names of its inputs. Errors the server answers with
(RFC 9457 problem details) are raised as modelport's own exceptions carrying the server's
message and field. Both clients run the same operations (``wire.ClientCalls``); each only sends
their HTTP calls, with httpx imported on first use so ``import modelport`` stays cheap.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from modelport.client.wire import Call, ClientCalls, Plan
from modelport.errors import ModelportError

if TYPE_CHECKING:
    import httpx
    import pandas as pd

__all__ = ["AsyncClient", "Client"]

T = TypeVar("T")


class Client(ClientCalls):
    """A served model (or a server holding exactly one model) at ``url``.

    ``model`` defaults to the name in ``url`` (``http://host/v1/models/iris``), else to the only
    model the server lists. ``timeout`` is in seconds per request (None waits forever).
    """

    _http: httpx.Client | None = None

    def predict(self, data: Any) -> pd.DataFrame:
        """The model's answer for ``data`` (rows in any form the module docstring lists)."""
        return self._run(self._plan_predict(data))

    def metadata(self) -> dict[str, Any]:
        """The model's Open Inference Protocol V2 metadata (name, versions, inputs, outputs)."""
        return self._run(self._plan_metadata())

    def ready(self) -> bool:
        """Whether the server answers and every model it holds has loaded (False while not
        reachable, so it can be polled while a server starts)."""
        return self._run(self._plan_ready())

    def find_model(self) -> str:
        """The model's name: given, named in the URL, or the only one the server lists."""
        return self._run(self._plan_find_model())

    @property
    def model(self) -> str:
        """The model's name (:meth:`find_model`)."""
        return self.find_model()

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self, plan: Plan[T]) -> T:
        """Send each call of ``plan`` and hand it the answer (or what the call failed with)."""
        try:
            call = next(plan)
            while True:
                try:
                    response = self._answer(call, self._send(call))
                except ModelportError as error:
                    call = plan.throw(error)
                else:
                    call = plan.send(response)
        except StopIteration as done:
            return cast(T, done.value)

    def _send(self, call: Call) -> httpx.Response:
        import httpx

        if self._http is None:
            self._http = httpx.Client(
                base_url=self.url, timeout=self.timeout, headers=self._headers
            )
        try:
            return self._http.request(
                call.method, call.path, content=call.content, headers=call.headers
            )
        except httpx.TransportError as exc:
            raise self._not_sent(call, exc) from exc


class AsyncClient(ClientCalls):
    """:class:`Client` for asyncio: the same arguments and operations, awaited.

    ``model`` is the model's name once known (given, named in the URL, or found by
    :meth:`find_model` or a first call); None before.
    """

    _http: httpx.AsyncClient | None = None

    async def predict(self, data: Any) -> pd.DataFrame:
        """The model's answer for ``data`` (rows in any form the module docstring lists)."""
        return await self._run(self._plan_predict(data))

    async def metadata(self) -> dict[str, Any]:
        """The model's Open Inference Protocol V2 metadata (name, versions, inputs, outputs)."""
        return await self._run(self._plan_metadata())

    async def ready(self) -> bool:
        """Whether the server answers and every model it holds has loaded (False while not
        reachable)."""
        return await self._run(self._plan_ready())

    async def find_model(self) -> str:
        """The model's name: given, named in the URL, or the only one the server lists."""
        return await self._run(self._plan_find_model())

    @property
    def model(self) -> str | None:
        return self._model

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def _run(self, plan: Plan[T]) -> T:
        """Send each call of ``plan`` and hand it the answer (or what the call failed with)."""
        try:
            call = next(plan)
            while True:
                try:
                    response = self._answer(call, await self._send(call))
                except ModelportError as error:
                    call = plan.throw(error)
                else:
                    call = plan.send(response)
        except StopIteration as done:
            return cast(T, done.value)

    async def _send(self, call: Call) -> httpx.Response:
        import httpx

        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self.url, timeout=self.timeout, headers=self._headers
            )
        try:
            return await self._http.request(
                call.method, call.path, content=call.content, headers=call.headers
            )
        except httpx.TransportError as exc:
            raise self._not_sent(call, exc) from exc
