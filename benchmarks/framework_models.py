"""The tiny models the frameworks benchmark serves, made here (nothing is downloaded), and what
each answers in this process: the figures every server's answers are checked against.

Each maker trains or initialises its model with a fixed seed, saves it the way its framework's
users save it and returns the in-process ``predict`` of the model it saved.
"""

from __future__ import annotations

import os
import pickle
import shutil
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import joblib
import numpy as np

# transformers picks PyTorch once, when first imported: as modelport's servable does
os.environ.setdefault("USE_TF", "0")

FEATURES = 16
CLASSES = 4
Predict = Callable[[np.ndarray], np.ndarray]
"""Rows (float64, ``FEATURES`` wide) in; one row of floats per input row out."""

WORDS = ["the", "a", "cat", "dog", "sat", "on", "mat", "is", "good", "bad", "film", "movie"]
WORDS += ["very", "not", "this", "that", "it", "was", "red", "blue"]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def rows(count: int, seed: int = 0) -> np.ndarray:
    """``count`` rows of ``FEATURES`` floats, rounded so JSON carries them exactly."""
    return np.round(np.random.default_rng(seed).normal(size=(count, FEATURES)), 3)


def texts(count: int) -> list[str]:
    """``count`` short sentences of the tokenizer's words, seeded."""
    generator = np.random.default_rng(0)
    return [" ".join(generator.choice(WORDS, size=8)) for _ in range(count)]


def _training() -> tuple[np.ndarray, np.ndarray]:
    x = rows(600, seed=1)
    weights = np.random.default_rng(2).normal(size=(FEATURES, CLASSES))
    return x, np.argmax(x @ weights, axis=1)


def sklearn_classifier(path: Path) -> Predict:
    """A scaler and a logistic regression (4 classes) saved with joblib; answers its labels."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(*_training())
    joblib.dump(model, path)
    return lambda x: model.predict(x).astype(np.float64).reshape(-1, 1)


def xgboost_regressor(path: Path, booster_path: Path) -> Predict:
    """50 trees of depth 4, pickled (modelport's upload) and saved as XGBoost's own JSON (what
    mlserver-xgboost loads)."""
    import xgboost

    x, labels = _training()
    target = labels + x[:, 0]
    model = xgboost.XGBRegressor(n_estimators=50, max_depth=4, random_state=0).fit(x, target)
    path.write_bytes(pickle.dumps(model))
    model.save_model(booster_path)
    return lambda x: model.predict(x).astype(np.float64).reshape(-1, 1)


def torch_module(path: Path) -> Predict:
    """A two-layer perceptron with a softmax, scripted and saved with ``torch.jit.save``."""
    import torch

    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(FEATURES, 64),
        torch.nn.ReLU(),
        torch.nn.Linear(64, CLASSES),
        torch.nn.Softmax(dim=1),
    ).eval()
    with warnings.catch_warnings():  # torch 2.13 deprecates TorchScript, Wallaroo's format
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(module), path)

    def predict(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            answer: np.ndarray = module(torch.from_numpy(x.astype(np.float32))).numpy()
        return answer.astype(np.float64)

    return predict


def keras_model(path: Path) -> Predict:
    """The same perceptron in Keras, saved as a ``.keras`` file."""
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((FEATURES,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(CLASSES, activation="softmax"),
        ]
    )
    model.save(path)
    return lambda x: np.asarray(model(x.astype(np.float32))).astype(np.float64)


def columns() -> list[str]:
    """The MLflow model's column names."""
    return [f"f{i}" for i in range(FEATURES)]


def mlflow_classifier(pickled: Path) -> Predict:
    """A logistic regression fitted on a DataFrame of named columns, pickled for
    ``mlflow_save.py`` (run where mlflow is installed) to save as an MLflow model."""
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    x, labels = _training()
    model = LogisticRegression(max_iter=500).fit(pd.DataFrame(x, columns=columns()), labels)
    pickled.write_bytes(pickle.dumps(model))
    frame = lambda x: pd.DataFrame(x, columns=columns())  # noqa: E731
    return lambda x: model.predict(frame(x)).astype(np.float64).reshape(-1, 1)


def text_classifier(folder: Path, zipped: Path) -> Callable[[list[str]], np.ndarray]:
    """A two-layer BERT of random weights (two labels) with a WordPiece tokenizer of
    :data:`WORDS`, a text-classification pipeline saved with ``save_pretrained`` into
    ``folder`` and zipped with its folder as Wallaroo takes it; answers [label index, score]."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast, pipeline

    torch.manual_seed(0)
    labels = ["NEGATIVE", "POSITIVE"]
    config = BertConfig(
        vocab_size=len(SPECIALS) + len(WORDS),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=2,
        id2label=dict(enumerate(labels)),
        label2id={label: index for index, label in enumerate(labels)},
    )
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    vocab = folder.parent / "vocab.txt"
    vocab.write_text("\n".join([*SPECIALS, *WORDS]) + "\n")
    classify = pipeline(
        "text-classification",
        model=BertForSequenceClassification(config).eval(),
        tokenizer=BertTokenizerFast(vocab_file=str(vocab)),
    )
    classify.save_pretrained(folder)
    with zipfile.ZipFile(zipped, "w") as archive:
        for file in sorted(folder.rglob("*")):
            archive.write(file, file.relative_to(folder.parent))

    def predict(batch: list[str]) -> np.ndarray:
        found = classify(batch)
        return np.array([[labels.index(a["label"]), a["score"]] for a in found], np.float64)

    return predict
