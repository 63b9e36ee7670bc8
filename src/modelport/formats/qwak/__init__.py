"""The Qwak (JFrog ML) convention: ``main/`` holding a ``QwakModel`` subclass, as in Qwak's model
anatomy.

Layout::

    main/__init__.py     imports the model class, or defines load_model()
    main/model.py        class IrisClassifier(QwakModel): build, predict(df), schema, ...
    main/<one of>        requirements.txt, pyproject.toml (poetry), conda.yml / conda.yaml
    tests/ut/            unit tests, run before packaging
    tests/it/            integration tests, run against the new build served for real

``build()`` runs with the project root as working directory and the built instance is pickled;
``initialize_model()`` runs once per serving process. The ``qwak`` names a project imports come
from the installed SDK, else from modelport's compatibility modules (see ``sdk``).
"""
