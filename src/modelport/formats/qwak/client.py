"""The client a Qwak project's integration tests get as ``real_time_client``.

It behaves like Qwak's ``RealTimeClient``: ``predict`` takes a DataFrame (sent as pandas split
JSON), a list of row objects, a list of rows or one row object (sent as JSON), posts it to the
route Qwak's client calls (``/v1/{model}/predict``), and returns the answer's records: a list of
dicts by default, a DataFrame with ``output_format=InferenceOutputFormat.PANDAS``.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import httpx
import orjson
import pandas as pd

from modelport.errors import ModelFailed


class InferenceOutputFormat(Enum):
    """What ``predict`` returns, as in ``qwak_inference.realtime_client.client``."""

    PANDAS = 1
    DICTIONARY = 2


class QwakClient:
    """A client of one served Qwak model, with Qwak's ``predict`` signature."""

    def __init__(self, url: str, model: str, *, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.model = model
        self._http = httpx.Client(base_url=self.url, timeout=timeout)

    def predict(
        self,
        feature_vector: pd.DataFrame | list[Any] | dict[str, Any],
        metadata: dict[str, str] | None = None,
        output_format: Any = InferenceOutputFormat.DICTIONARY,
    ) -> Any:
        """The model's answer for ``feature_vector``; ``metadata`` is sent as request headers."""
        if isinstance(feature_vector, pd.DataFrame):
            body = feature_vector.to_json(orient="split", index=False).encode()
            content_type = "application/json; format=pandas-split"
        else:
            rows = [feature_vector] if isinstance(feature_vector, dict) else feature_vector
            body = orjson.dumps(rows, option=orjson.OPT_SERIALIZE_NUMPY)
            content_type = "application/json"
        response = self._http.post(
            f"/v1/{self.model}/predict",
            content=body,
            headers={**(metadata or {}), "content-type": content_type},
        )
        if response.status_code >= 400:
            raise ModelFailed(
                f"{self.model} answered {response.status_code}: {response.text}",
                hint="the model server's log has the whole error",
            )
        records = response.json()
        if getattr(output_format, "name", None) == InferenceOutputFormat.PANDAS.name:
            return pd.DataFrame(records)
        return records

    def close(self) -> None:
        self._http.close()
