"""An objects-mode GPPI entrypoint needing a pip package that only its conda file names."""

import inflection


def init():
    return "objects"


def predict_on_objects(objects):
    return [{"slug": inflection.parameterize(item["title"])} for item in objects]
