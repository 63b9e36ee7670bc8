"""A server checks that what a convention's own code needs is installed before loading its
models: a missing package is the server's error, named, never the model's."""

from __future__ import annotations

import pytest

from modelport.errors import MissingDependency
from modelport.serving.conventions import convention, require_installed


class _Needing:
    name = "needing"

    def __init__(self, *requirements: str) -> None:
        self.runtime_requirements = requirements


def test_installed_requirements_pass() -> None:
    require_installed(_Needing("pyarrow>=14", "orjson"))
    require_installed(convention("truss"))  # msgpack comes with the test extras
    require_installed(object())  # a convention that declares nothing


def test_a_missing_requirement_is_named_with_what_to_do() -> None:
    with pytest.raises(MissingDependency) as caught:
        require_installed(_Needing("orjson", "modelport-no-such-dist>=1"))
    message = str(caught.value)
    assert "the needing convention needs modelport-no-such-dist>=1" in message
    assert "orjson" not in message
    assert "modelport build" in message
    assert caught.value.status == 500
