"""The model's DEEPaaS API, as the DEEP cookiecutter lays it out (module functions of
``dpcookie/api.py``, webargs 5.5 fields, as DEEPaaS 2.x pins it).

- ``get_metadata()`` reads the installed distribution's metadata, with ``importlib.metadata``
  and with ``pkg_resources`` (``summary``, not ``description``);
- ``predict()`` insists on DEEPaaS's own ``UploadedFile``;
- ``train()`` starts processes: a ``multiprocessing.Pool`` and a ``Process``, or children that
  sleep (for cancelling); or raises ``NotImplementedError``.
"""

import importlib.metadata
import multiprocessing
import os
import time

import pkg_resources
from deepaas.model.v2.wrapper import UploadedFile
from webargs import fields, validate

PACKAGE = __name__.split(".", 1)[0]


def get_metadata():
    meta = importlib.metadata.metadata(PACKAGE)
    return {
        "name": meta["Name"],
        "version": pkg_resources.get_distribution(PACKAGE).version,
        "summary": meta["Summary"],
        "author": meta["Author"],
        "author-email": meta["Author-email"],
        "license": meta["License"],
        "help-train": {name: type(field).__name__ for name, field in get_train_args().items()},
    }


def warm():
    pass


def get_predict_args():
    return {
        "image": fields.Field(
            required=True, type="file", location="form", description="Any file: its bytes count"
        ),
    }


def predict(**kwargs):
    upload = kwargs["image"]
    if not isinstance(upload, UploadedFile):
        raise TypeError(f"expected deepaas's UploadedFile, got {type(upload)!r}")
    with open(upload.filename, "rb") as handle:
        size = len(handle.read())
    kind = type(upload)
    return {
        "bytes": size,
        "name": upload.name,
        "original_filename": upload.original_filename,
        "content_type": upload.content_type,
        "type": f"{kind.__module__}.{kind.__qualname__}",
    }


def get_train_args():
    return {
        "numbers": fields.List(fields.Int(), missing=[1, 2, 3], description="Numbers to square"),
        "mode": fields.Str(
            missing="pool",
            validate=validate.OneOf(["pool", "sleep", "unsupported", "unsupported-why"]),
            description="What train() does",
        ),
    }


def train(**kwargs):
    mode = kwargs["mode"]
    if mode == "unsupported":
        raise NotImplementedError
    if mode == "unsupported-why":
        raise NotImplementedError("training needs the full dataset")
    if mode == "sleep":
        with multiprocessing.Pool(2) as pool:
            pool.map(time.sleep, [120, 120])
        return {}
    with multiprocessing.Pool(2) as pool:
        squares = pool.map(square, kwargs["numbers"])
    child = multiprocessing.Process(target=write_pid, args=("child.pid",))
    child.start()
    child.join()
    with open("child.pid") as handle:
        child_pid = int(handle.read())
    return {
        "squares": squares,
        "child_exitcode": child.exitcode,
        "child_was_another_process": child_pid != os.getpid(),
        "worker_daemon": multiprocessing.current_process().daemon,
    }


def square(number):
    return number * number


def write_pid(path):
    with open(path, "w") as handle:
        handle.write(str(os.getpid()))
