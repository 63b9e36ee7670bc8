"""``modelport server``: a registry a team shares, over HTTP.

The registry's REST API (``registry_routes``), workspace secrets (``secret_routes``) and
accounts (``account_routes``) are tables of :class:`~modelport.server.routing.Operation`; each
declares the access it needs, checked by ``access.authorize`` before it runs. ``app`` puts them
together with the OpenAPI document (``openapi``); ``run`` opens the stores and serves the app
with uvicorn. The REST store in ``registry/rest`` is this API's client.
"""
