"""``qwak_inference.realtime_client``."""
