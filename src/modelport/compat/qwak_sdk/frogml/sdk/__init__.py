"""``frogml.sdk``."""
