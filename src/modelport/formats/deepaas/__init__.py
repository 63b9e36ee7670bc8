"""The DEEPaaS V2 convention: an installable package whose ``deepaas.v2.model`` entry points
each name a model (a module or a class offering get_metadata, warm, get_predict_args, predict,
get_train_args, train and an optional response ``schema``).

A build installs the package into the model's environment (``modelport.formats.deepaas.install``),
packages its files and registers one model per entry point, named after it (``model_name``);
serving loads a model's entry point as a :class:`DeepaasServable`, answered on the DEEPaaS
routes (``routes``). The package's modules that need marshmallow are imported only when used:
every format adapter is imported for every build.
"""
