"""pytest plugin (``-p modelport.formats.qwak.pytest_sdk``) for a Qwak project's own tests: the
``qwak`` import names resolve before any test module is imported."""

from __future__ import annotations

import pytest

from modelport.formats.qwak.sdk import use_compat_sdk


def pytest_configure(config: pytest.Config) -> None:
    use_compat_sdk()
