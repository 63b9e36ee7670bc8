"""``frogml.sdk.model``."""
