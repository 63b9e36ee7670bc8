"""``qwak.testing.fixtures``: ``real_time_client``, a client of the model served for the test
(the same fixture modelport's pytest plugin provides without this import)."""

from modelport.testing.plugin import real_time_client

__all__ = ["real_time_client"]
