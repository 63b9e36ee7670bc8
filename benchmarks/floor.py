"""The in-process floor: how long the same trained SVC's ``predict`` takes in this process."""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path

import joblib
import numpy as np
from payloads import rows
from sklearn import datasets, svm


def train(model_path: Path) -> svm.SVC:
    """Train ``SVC(gamma="scale")`` on the bundled iris data and save it with joblib."""
    iris = datasets.load_iris()
    classifier = svm.SVC(gamma="scale").fit(iris.data, iris.target)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(classifier, model_path)
    return classifier


def load(model_path: Path) -> svm.SVC:
    """The classifier :func:`train` saved."""
    classifier: svm.SVC = joblib.load(model_path)
    return classifier


def expected_labels(classifier: svm.SVC, count: int) -> list[int]:
    """What every server must answer for the ``count``-row body."""
    return [int(label) for label in classifier.predict(rows(count))]


def predict_seconds(classifier: svm.SVC, count: int, budget: float = 1.0) -> float:
    """Median seconds of one ``predict`` call on ``count`` rows (numpy in, numpy out)."""
    matrix = np.ascontiguousarray(rows(count))
    classifier.predict(matrix)
    timings: list[float] = []
    deadline = time.perf_counter() + budget
    while time.perf_counter() < deadline or len(timings) < 20:
        start = time.perf_counter()
        classifier.predict(matrix)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


IMPORT_FRAMEWORK = (
    "import time; started = time.perf_counter(); import joblib, sklearn.svm; "
    "print(time.perf_counter() - started)"
)


def framework_import_seconds(python: Path) -> float:
    """Seconds ``python``, fresh, takes to import scikit-learn's SVC (and joblib): the part of
    every server's cold start that is the model's own."""
    done = subprocess.run(
        [str(python), "-c", IMPORT_FRAMEWORK], capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip())
