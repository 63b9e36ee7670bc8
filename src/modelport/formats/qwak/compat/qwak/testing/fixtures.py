"""``qwak.testing.fixtures``: ``real_time_client``, a Qwak-style client of the model served for
the test (a Qwak project's tests get the same fixture without this import)."""

from modelport.formats.qwak.fixtures import real_time_client

__all__ = ["real_time_client"]
