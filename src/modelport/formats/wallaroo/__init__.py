"""Wallaroo's model kinds: python steps, Bring-Your-Own-Predict zips and framework files.

``format`` is the adapter (detection, layout, build step, loading) and ``staging`` lays an upload
out for it; ``python_step``, ``byop``, ``estimators`` and ``onnx_model`` each turn one kind into
a Servable; ``schemas`` reads Wallaroo's Arrow schemas; ``data_rules`` holds Wallaroo's rules for
input and output columns; ``names`` its DNS naming rule; ``frameworks`` the framework names
Wallaroo uses and what modelport does with each; ``mac_modules`` makes ``import mac`` work.
"""
