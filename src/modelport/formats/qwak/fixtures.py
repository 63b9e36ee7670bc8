"""``real_time_client`` for a Qwak project's tests: modelport's served model, through the
Qwak-style client (:class:`~modelport.formats.qwak.client.QwakClient`)."""

from collections.abc import Iterator

import pytest

from modelport.client import Client
from modelport.formats.qwak.client import QwakClient


@pytest.fixture
def real_time_client(real_time_client: Client | QwakClient) -> Iterator[QwakClient]:
    """The model under test, served for real, with Qwak's ``predict``."""
    client = QwakClient(real_time_client.url, real_time_client.model)
    try:
        yield client
    finally:
        client.close()
