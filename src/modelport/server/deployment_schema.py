"""The JSON Schema of ``GET /workspaces/{workspace}/deployments``' answer, for the OpenAPI
document (``server/openapi.py``)."""

from __future__ import annotations

from typing import Any

_TEXT = {"type": "string"}
_TEXT_OR_NULL = {"type": ["string", "null"]}

DEPLOYMENT: dict[str, Any] = {
    "type": "object",
    "required": ["name", "target", "kind", "model", "version", "replicas", "state", "address"],
    "properties": {
        "name": _TEXT,
        "target": {"type": "string", "description": "local, or ray://HOST:PORT"},
        "kind": {"type": "string", "enum": ["local", "ray"]},
        "model": {"type": "string", "description": "The model's name, or the pipeline's."},
        "pipeline": {"type": "boolean", "description": "Whether it runs a pipeline."},
        "steps": {
            "type": "array",
            "items": _TEXT,
            "description": "A pipeline's steps in order (MODEL:VERSION each); none for a model.",
        },
        "version": {"type": ["integer", "null"]},
        "reference": {"type": "string", "description": "What was deployed (iris@production)."},
        "replicas": {"type": "string", "description": "N, or MIN:MAX when autoscaled."},
        "state": {"type": "string", "description": "As last recorded (deploy, deploy status)."},
        "address": {
            "type": ["string", "null"],
            "description": "Where its routes answer: the local server's URL, or Ray Serve's "
            "proxy's and the route prefix; null for a Ray deployment recorded without it.",
        },
        "route_prefix": _TEXT_OR_NULL,
        "created": {"type": "string", "format": "date-time"},
        "metrics": {
            "type": ["object", "null"],
            "description": "Cumulative counts read from the address's /metrics, as a "
            "ServingList's (a Ray deployment's: one replica's, the one the proxy picked); null "
            "when it does not answer or has no address.",
        },
    },
}

DEPLOYMENT_LIST: dict[str, Any] = {
    "type": "object",
    "required": ["deployments"],
    "properties": {"deployments": {"type": "array", "items": DEPLOYMENT}},
}
