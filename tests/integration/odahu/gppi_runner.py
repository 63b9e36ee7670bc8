"""A minimal GPPI runner written from the OMAF spec alone (not modelport's loader): unpack the
artifact, read ``odahuflow.model.yaml``, work in ``model.workDir`` with it on the Python path and
``MODEL_LOCATION`` relative to it, import ``model.entrypoint``, then ``init``, ``get_info`` and
``predict_on_matrix``. Run as ``python gppi_runner.py ARTIFACT.zip REQUEST.json``; prints JSON."""

import importlib
import json
import os
import sys
import tempfile
import zipfile

import yaml


def main(artifact, request_file):
    with open(request_file) as handle:
        request = json.load(handle)
    folder = tempfile.mkdtemp(prefix="gppi-runner-")
    with zipfile.ZipFile(artifact) as archive:
        archive.extractall(folder)
    with open(os.path.join(folder, "odahuflow.model.yaml")) as handle:
        manifest = yaml.safe_load(handle)
    assert manifest["binaries"]["type"] == "python"
    os.chdir(os.path.join(folder, manifest["model"]["workDir"]))
    os.environ["MODEL_LOCATION"] = "."
    sys.path.insert(0, os.getcwd())
    entrypoint = importlib.import_module(manifest["model"]["entrypoint"])
    mode = entrypoint.init()
    inputs, outputs = entrypoint.get_info()
    matrix, columns = entrypoint.predict_on_matrix(request["data"], request["columns"])
    json.dump(
        {
            "mode": mode,
            "inputs": inputs,
            "outputs": outputs,
            "prediction": matrix,
            "columns": list(columns),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
