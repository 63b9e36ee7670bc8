"""pytest plugin (``-p modelport.formats.qwak.pytest_sdk``) for a Qwak project's own tests: the
``qwak`` import names resolve before any test module is imported, and ``real_time_client`` is
the Qwak-style client whether or not a test file imports it from ``qwak.testing.fixtures``."""

from __future__ import annotations

import pytest

from modelport.formats.qwak.sdk import use_compat_sdk


def pytest_configure(config: pytest.Config) -> None:
    use_compat_sdk()
    from modelport.formats.qwak import fixtures

    # registered after modelport's own plugin, so this ``real_time_client`` wraps modelport's
    config.pluginmanager.register(fixtures, "qwak-real-time-client")
