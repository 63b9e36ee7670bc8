"""MLflow models: a folder (or zip) holding an ``MLmodel`` file and its flavors' files.

Served through MLflow's own ``mlflow.pyfunc.load_model`` in an environment built from the
model's ``requirements.txt`` (else ``python_env.yaml``, else ``conda.yaml``), which names
``mlflow`` itself; modelport never imports mlflow outside that environment.
"""
