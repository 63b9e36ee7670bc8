"""The one exception tree of modelport.

Every error a user can cause or meet is one of these; the CLI prints its message on one line
and the HTTP layer maps it to a status in exactly one place (``serving/problems.py``).

    ModelportError                  anything modelport raises on purpose
    ├── InvalidInput                a request or a file does not match what is expected (422)
    │   ├── ArtifactError           an artifact zip is malformed, tampered with or unsafe (400)
    │   ├── MalformedInput          a body that does not parse: bad JSON, Arrow, CSV (400)
    │   ├── UnsupportedMediaType    a request body of a type the route cannot read (415)
    │   ├── NotAcceptable           no answer format the client accepts (406)
    │   └── PayloadTooLarge         a request body over the server's limit (413)
    ├── ConfigError                 a project, dependency file or setting is wrong (400)
    ├── NotFound                    an unknown model, version, alias or file (404)
    ├── Conflict                    the request clashes with the registry's state (409)
    ├── BuildFailed                 the build step, environment or unit tests failed
    ├── MissingDependency           a package the server itself needs is not installed (500)
    ├── ModelFailed                 user model code raised or broke its contract (500)
    │   └── ModelTimeout            the model did not answer in time (504)
    ├── Unreachable                 a client got no answer from a server (503)
    ├── ServerBusy                  the server holds as many requests as it may (503)
    ├── RequestTimeout              a request's body did not arrive in time (408)
    ├── ClientGone                  the client left before its prediction ran (499, never sent)
    ├── Unauthorised                missing or wrong credentials (401)
    └── Forbidden                   not allowed: no role (or too weak a one) in the workspace,
                                    an unknown Host, another site's page (403)

Each error carries a ``hint``: what the user can do about it. ``field`` names the offending
input field or file where there is one.
"""

from __future__ import annotations

import json


class ModelportError(Exception):
    """Base of every error modelport raises on purpose."""

    status = 500

    def __init__(self, message: str, *, hint: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.field = field
        self.details: str | None = None
        """Longer diagnostics (a traceback from another process) shown with ``--debug``."""

    def __str__(self) -> str:
        if not self.hint:
            return self.message
        stop = "" if self.message.endswith((".", "!", "?", ":")) else "."
        return f"{self.message}{stop} {self.hint[:1].upper()}{self.hint[1:]}"


class InvalidInput(ModelportError):
    """Input (a request body, an argument, a file) does not match what is expected."""

    status = 422


class ArtifactError(InvalidInput):
    """An artifact is malformed, tampered with or unsafe to open."""

    status = 400


class MalformedInput(InvalidInput):
    """A request body that does not parse (bad JSON, Arrow, CSV or Parquet)."""

    status = 400


class UnsupportedMediaType(InvalidInput):
    """A request body of a media type the route cannot read."""

    status = 415


class NotAcceptable(InvalidInput):
    """None of the media types the client accepts can be produced."""

    status = 406


class PayloadTooLarge(InvalidInput):
    """A request body over the server's size limit."""

    status = 413


class ConfigError(ModelportError):
    """A project, dependency file or setting is wrong."""

    status = 400


class NotFound(ModelportError):
    """An unknown model, version, alias or file."""

    status = 404


class Conflict(ModelportError):
    """The request clashes with the registry's current state."""

    status = 409


class BuildFailed(ModelportError):
    """The build step, the environment or the unit tests failed."""

    status = 500


class MissingDependency(ModelportError):
    """A package modelport's own code needs (not the model's) is missing from the environment:
    the server's fault, never reported as the model's."""

    status = 500


class ModelFailed(ModelportError):
    """User model code raised or broke its contract."""

    status = 500


class ModelTimeout(ModelFailed):
    """The model did not answer within the server's time limit."""

    status = 504


class Unreachable(ModelportError):
    """A client got no answer from the server: it does not run there, or the URL is wrong."""

    status = 503


class Unauthorised(ModelportError):
    """Missing or wrong credentials."""

    status = 401


class ServerBusy(ModelportError):
    """The server holds as many connections or requests as it may; try again shortly."""

    status = 503


class ModelNotReady(ServerBusy):
    """A request for a model that is still loading; try again shortly."""


class RequestTimeout(ModelportError):
    """A request's body did not arrive within the server's deadline."""

    status = 408


class ClientGone(ModelportError):
    """The client closed its connection while its request waited for the model: the prediction
    is not run, and the answer (499, as nginx names it) is only logged and counted."""

    status = 499


class Forbidden(ModelportError):
    """A request its sender may not make: valid credentials without the role it needs in the
    workspace, or a request the server answers nobody (a Host it does not serve, one sent by
    another site's web page)."""

    status = 403


def error_class_for(status: int, title: object = None) -> type[ModelportError]:
    """The class of the error an HTTP answer with ``status`` reports (404 NotFound, 401
    Unauthorised, 403 Forbidden, 409 Conflict, other 4xx InvalidInput, 5xx ModelFailed), refined
    to the class a problem's ``title`` names when it is a kind of that: how every client of a
    modelport server turns an error answer back into the error the server raised."""
    base: type[ModelportError]
    if status == 404:
        base = NotFound
    elif status == 401:
        base = Unauthorised
    elif status == 403:
        base = Forbidden
    elif status == 409:
        base = Conflict
    elif 400 <= status < 500:
        base = InvalidInput
    else:
        base = ModelFailed
    named = globals().get(title) if isinstance(title, str) else None
    if isinstance(named, type) and issubclass(named, base):
        return named
    return base


def error_from_response(status: int, body: bytes) -> ModelportError:
    """The modelport exception for an error answer (problem details, or any other body)."""
    try:
        problem = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        problem = None
    if not isinstance(problem, dict):
        text = body.decode("utf-8", "replace").strip()
        problem = {"detail": text} if text else {}
    message = next(
        (
            str(problem[key])
            for key in ("detail", "error", "message", "title")
            if problem.get(key) not in (None, "")
        ),
        f"the server answered {status}",
    )
    field = problem.get("field")
    error_class = error_class_for(status, problem.get("title"))
    error = error_class(message, field=str(field) if field is not None else None)
    error.status = status
    return error


def report_failure(exc: BaseException, *, debug: bool = False) -> int:
    """Say on stderr why a process modelport starts in a model's environment (``python -m``
    ``modelport.batch_inference.worker``, ``modelport.cli.predict_here``) failed, as the
    ``modelport`` command says it (cli/main.py), and answer its exit code: 1 for a modelport
    error, 70 for anything it did not foresee; with ``debug`` the traceback first."""
    import sys
    import traceback

    if debug:
        traceback.print_exception(exc)
    if isinstance(exc, ModelportError):
        sys.stderr.write(f"error: {exc}\n")
        return 1
    sys.stderr.write(f"error: internal error: {type(exc).__name__}: {exc}\n")
    return 70
