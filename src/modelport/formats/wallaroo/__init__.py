"""Wallaroo's model kinds: python steps, Bring-Your-Own-Predict zips and framework files.

``format`` is the adapter (detection, layout, build step, loading); ``python_step``, ``byop``
and ``estimators``/``onnx_model`` turn each kind into a Servable; ``schemas`` reads Wallaroo's
Arrow schemas; ``data_rules`` holds Wallaroo's rules for input and output columns;
``frameworks`` lists the framework names Wallaroo uses and what modelport does with each.
"""
