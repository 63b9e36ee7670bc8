"""External model registries connected to workspaces (Wallaroo's "model registries"), and
uploading their models into modelport.

    store.py        the connections, kept in the registry database; tokens encrypted at rest
    tokens.py       the Fernet key and the encryption of tokens
    mlflow_client.py  MLflow's REST API over httpx (modelport never imports mlflow itself)
    upload.py       a registered MLflow model version: downloaded, built, registered
"""
