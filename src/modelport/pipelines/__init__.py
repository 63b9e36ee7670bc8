"""Pipelines, as Wallaroo has them: a named, versioned, ordered list of model steps.

Each step is a registered model version; a request's rows go through the steps in order, each
step's output feeding the next. Validations (named conditions over the last step's output
columns, such as ``out.predictions < 1000000``) are counted per row in ``anomaly.count``. The
answer is Wallaroo's result frame: ``time``, ``in.<column>``, ``out.<column>``, ``anomaly.*``,
``metadata.*``. Inferences may be logged as Parquet under the modelport home.

    definition.py   the entities: Pipeline, PipelineVersion, its steps and validations
    store.py        their storage, beside the model registry in the same database
    validations.py  the safe expression language of validations
    links.py        whether one step's outputs can feed the next step's inputs
    editing.py      create, add a step, add a validation: each change a new version
    servable.py     a loaded pipeline as a Servable (so every protocol can serve it)
    step_output.py  what steps print: to the log, never into an answer
    (the result frame and what a request gets of it: formats/wallaroo/frames.py, answers.py)
    logs.py         inference logs: written per request, read back with a time filter
    loading.py      from a pipeline reference to a loaded PipelineServable
"""
