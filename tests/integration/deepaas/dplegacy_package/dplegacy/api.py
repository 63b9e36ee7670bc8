"""Two DEEPaaS models written the DEEPaaS 2.x way: webargs 5.5 fields with ``missing=``,
``description=``, ``location=`` and ``type=`` keywords, and a dependency (inflection) of their
own."""

import inflection
import webargs
from webargs import fields, validate


def get_metadata():
    return {
        "name": "dplegacy",
        "description": "Pluralizes or singularizes words.",
        "version": "0.1.0",
    }


def get_predict_args():
    return {
        "word": fields.Str(required=True, description="The word to inflect"),
        "style": fields.Str(
            missing="plural",
            validate=validate.OneOf(["plural", "singular"]),
            description="How to inflect it",
        ),
        "times": fields.Int(missing=1, validate=validate.Range(min=1, max=3)),
        "tags": fields.List(fields.Str(), missing=[], description="Labels echoed back"),
        "data": fields.Field(
            required=False, missing=None, type="file", location="form", description="A file"
        ),
    }


def predict(**kwargs):
    inflect = inflection.pluralize if kwargs["style"] == "plural" else inflection.singularize
    upload = kwargs.get("data")
    size = None
    if upload is not None:
        with open(upload.filename, "rb") as handle:
            size = len(handle.read())
    return {
        "words": [inflect(kwargs["word"])] * kwargs["times"],
        "tags": kwargs["tags"],
        "file_size": size,
        "webargs": webargs.__version__,
    }


class Camel:
    """A class-style model."""

    def get_metadata(self):
        return {"name": "camel", "description": "CamelCases words."}

    def get_predict_args(self):
        return {"word": fields.Str(required=True, location="query")}

    def predict(self, **kwargs):
        return inflection.camelize(kwargs["word"])
