"""modelport's stand-in for Wallaroo's ``mac`` package (the BYOP base classes).

It is put on ``sys.path`` of a model's process only when the real ``mac`` is not installed, so a
Bring-Your-Own-Predict model written against Wallaroo's SDK imports and runs unchanged.
"""
