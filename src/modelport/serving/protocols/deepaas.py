"""The DEEPaaS V2 REST API (``deepaas_api``), present only when a DEEPaaS model is served.

The routes' module (and marshmallow, which it needs) is imported only then, so servers of other
models run in environments without the ``deepaas`` extra.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from modelport.serving.models import ModelSet

FORMAT_NAME = "deepaas"
"""The manifests' ``source_format`` of DEEPaaS models (the format adapter's entry point name; the
adapter's package is not imported here, since its imports reach the registry's)."""


def routes(models: ModelSet) -> list[BaseRoute]:
    runtimes = [r for r in models.all() if r.servable.source_format == FORMAT_NAME]
    if not runtimes:
        return []
    from modelport.serving.protocols.deepaas_api import deepaas_routes

    return deepaas_routes(runtimes)
