"""``qwak_inference``: the output formats a Qwak project's tests pass to ``predict``."""
