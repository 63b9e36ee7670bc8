"""The request a server prints at start, as a curl line its user can paste: the model's
convention's own (Truss's ``:predict`` with the config's ``example_model_input``, DEEPaaS's
arguments...), else the native predict route with the model's example row, or one made up from
its signature."""

from __future__ import annotations

import json
import shlex
from urllib.parse import quote

from modelport.errors import ConfigError
from modelport.servable import Servable
from modelport.serving.conventions import ExampleRequest, convention
from modelport.serving.openapi.examples import input_rows


def example_request(servable: Servable) -> ExampleRequest:
    """A request ``servable`` answers: its convention's, else the native route's."""
    try:
        adapter = convention(servable.source_format)
    except ConfigError:  # a Servable a library user made: the generic routes only
        adapter = None
    own = adapter.example_request(servable) if adapter is not None else None
    return own if own is not None else native_request(servable)


def native_request(servable: Servable) -> ExampleRequest:
    """``POST /v1/models/{name}/predict`` with one row: the model's own example, else made up
    from its signature (an empty record for a free-form model without an example)."""
    rows = input_rows(servable.signature, servable.example)[:1]
    path = f"/v1/models/{quote(servable.name, safe='')}/predict"
    return ExampleRequest(path, json.dumps(rows or [{}]))


def curl_line(base_url: str, request: ExampleRequest) -> str:
    """``request`` as a curl command line, every argument quoted for a POSIX shell."""
    words = ["curl", "-s"]
    if request.method != ("POST" if request.body is not None else "GET"):
        words += ["-X", request.method]
    words.append(shlex.quote(base_url + request.path))
    if request.body is not None:
        if request.content_type is not None:
            words += ["-H", shlex.quote(f"Content-Type: {request.content_type}")]
        words += ["-d", shlex.quote(request.body)]
    return " ".join(words)
