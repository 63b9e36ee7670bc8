"""Helpers for testing models: the pytest plugin (``real_time_client``) and served processes."""
