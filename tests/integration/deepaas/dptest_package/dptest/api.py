"""A module-style DEEPaaS model: metadata, warm, a file upload, a list argument, an ``accept``
choice answering PNG bytes, a response schema and a train that sleeps.

Written against marshmallow 3 and 4 alike (``metadata=`` and ``load_default``), so the same
file runs under DEEPaaS 2.6 (webargs 5.5) and under modelport (current webargs)."""

import io
import json
import struct
import time
import zlib

from webargs import fields, validate

STATE = {"warmed": False}

schema = {
    "status": fields.Str(required=True),
    "predictions": fields.Nested(
        {
            "total": fields.Float(required=True),
            "mode": fields.Str(required=True),
            "file_size": fields.Int(allow_none=True),
            "file": fields.Dict(allow_none=True),
            "warmed": fields.Bool(required=True),
        }
    ),
}


def get_metadata():
    return {
        "name": "dptest",
        "description": "Adds or maximises numbers; tells the size of an uploaded file.",
        "author": "modelport tests",
        "version": "1.0.0",
        "license": "Apache-2.0",
    }


def warm():
    STATE["warmed"] = True


def get_predict_args():
    return {
        "numbers": fields.List(
            fields.Float(), required=True, metadata={"description": "Numbers to combine"}
        ),
        "mode": fields.Str(load_default="sum", validate=validate.OneOf(["sum", "max"])),
        "code": fields.Str(load_default="abcd", validate=validate.Length(equal=4)),
        "fail": fields.Str(load_default="no", validate=validate.OneOf(["no", "raise", "schema"])),
        "data": fields.Field(
            required=False,
            load_default=None,
            metadata={"type": "file", "location": "form", "description": "Any file"},
        ),
        "accept": fields.Str(
            load_default="application/json",
            validate=validate.OneOf(["application/json", "image/png"]),
            metadata={"description": "Media type of the response"},
        ),
    }


def predict(**kwargs):
    if kwargs["fail"] == "raise":
        raise ValueError("failing on purpose")
    if kwargs.get("accept") == "image/png":
        return io.BytesIO(png_square(int(sum(kwargs["numbers"])) % 256))
    combine = max if kwargs["mode"] == "max" else sum
    upload = kwargs.get("data")
    size = file = None
    if upload is not None:
        with open(upload.filename, "rb") as handle:
            size = len(handle.read())
        file = {
            "name": upload.name,
            "content_type": upload.content_type,
            "original_filename": upload.original_filename,
        }
    if kwargs["fail"] == "schema":
        return {"status": "OK", "predictions": {"total": "not a number", "warmed": True}}
    return {
        "status": "OK",
        "predictions": {
            "total": float(combine(kwargs["numbers"])),
            "mode": kwargs["mode"],
            "file_size": size,
            "file": file,
            "warmed": STATE["warmed"],
        },
    }


def get_train_args():
    return {
        "seconds": fields.Float(load_default=0.2, validate=validate.Range(min=0, max=60)),
        "fail": fields.Bool(load_default=False),
        "unsupported": fields.Bool(load_default=False),
        "save": fields.Bool(load_default=False, metadata={"description": "Write trained.json"}),
        "data": fields.Field(
            required=False,
            load_default=None,
            metadata={"type": "file", "location": "form", "description": "Training data"},
        ),
    }


def train(**kwargs):
    time.sleep(kwargs["seconds"])
    if kwargs["fail"]:
        raise RuntimeError("training failed on purpose")
    if kwargs["unsupported"]:
        raise NotImplementedError
    if kwargs["save"]:  # into the current folder: the job's copy of the package under modelport
        with open("trained.json", "w") as out:
            json.dump({"seconds": kwargs["seconds"]}, out)
    return {"trained_seconds": kwargs["seconds"]}


def png_square(grey):
    """A valid 2x2 greyscale PNG."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)
    pixels = zlib.compress(bytes([0, grey, grey, 0, grey, grey]))
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks
