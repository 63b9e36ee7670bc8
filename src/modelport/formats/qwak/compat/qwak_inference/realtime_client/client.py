"""``qwak_inference.realtime_client.client``: ``InferenceOutputFormat`` for
``real_time_client.predict(..., output_format=...)``."""

from modelport.formats.qwak.client import InferenceOutputFormat

__all__ = ["InferenceOutputFormat"]
