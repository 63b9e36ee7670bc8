"""Compatibility module sets: other platforms' SDK import names, for projects written to them.

Each set is a folder of top-level packages (``qwak_sdk/qwak``...) that a convention's format
puts on ``sys.path`` only inside a model's build and serving processes, and only when the real
SDK is not installed; nothing else imports them.
"""
