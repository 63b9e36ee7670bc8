"""The native convention: a project whose ``main`` package holds a ``modelport.Model`` subclass.

``format`` is the adapter, ``python_model`` serves a Python model object (the native one and
those other conventions make), ``dataframes`` tells whether a model needs pandas.
"""
