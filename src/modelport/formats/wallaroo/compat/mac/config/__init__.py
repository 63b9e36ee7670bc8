"""Configuration objects of the ``mac`` package."""
