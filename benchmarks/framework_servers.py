"""What the frameworks benchmark serves: each kind's tiny model made and built by modelport
(``--runtime onnx`` and ``--runtime framework`` where it converts), MLServer's runtime for the
same model where it has one, the bodies each takes and the answers each must give."""

from __future__ import annotations

import base64
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import framework_bodies as bodies
import framework_models as models
import framework_peer
import numpy as np
import pyarrow as pa
import subject
from payloads import AnswerKind, BodyKind
from peers import peer_env
from spec import Route, ServerSpec

ROW_COUNTS = (1, 1000)
LABELS = ["NEGATIVE", "POSITIVE"]
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "USE_TF": "0"}
"""Every server loads the Hugging Face folder as it is, never asking the Hub (nor TensorFlow)."""
TENSORS = (
    pa.schema([pa.field("tensor", pa.list_(pa.float32(), models.FEATURES))]),
    pa.schema([pa.field("output", pa.list_(pa.float32(), models.CLASSES))]),
)
"""The schemas of the PyTorch and Keras uploads: a row of features in, the class scores out."""


@dataclass(frozen=True)
class Contender:
    """One server of a kind's comparison, its request bodies by row count and its decoder."""

    runtime: str  # "onnx", "framework" or "mlserver"
    spec: ServerSpec
    bodies: dict[int, Path]
    decode: bodies.Decode


@dataclass(frozen=True)
class Kind:
    """A kind of model, what it answers in process, and the servers compared on it."""

    name: str
    title: str
    expected: dict[int, np.ndarray]
    contenders: tuple[Contender, ...]
    note: str = ""
    alone: tuple[int, ...] = ()
    """Row counts timed one request at a time instead of by wrk: a request long enough that
    8 at once would outlast any run."""


@dataclass(frozen=True)
class Place:
    """Where the run keeps its files, and the first port it may use."""

    work: Path  # models, bodies, MLServer settings
    home: Path  # the scratch MODELPORT_HOME
    cache: Path  # the peers' venvs
    port: int
    threads: int  # each server's intra-op threads (torch, OpenMP, BLAS, TensorFlow); 0: default

    def thread_env(self) -> dict[str, str]:
        """The variables bounding the frameworks' own thread pools (onnxruntime reads none)."""
        if not self.threads:
            return {}
        names = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
        return {name: str(self.threads) for name in (*names, "TF_NUM_INTRAOP_THREADS")}

    def folder(self, *parts: str) -> Path:
        path = self.work.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path


class Builder:
    """Makes each kind: its model, bodies, modelport builds and servers, on consecutive ports."""

    def __init__(self, place: Place, build: bool) -> None:
        self.place = place
        self.build = build
        self.next_port = place.port

    def port(self) -> int:
        self.next_port += 10  # MLServer takes three: HTTP, gRPC, metrics
        return self.next_port - 10

    def write(self, kind: str, server: str, encode: dict[int, bytes]) -> dict[int, Path]:
        folder = self.place.folder("bodies", kind)
        found = {}
        for count, body in encode.items():
            found[count] = folder / f"{server}-{count}.json"
            found[count].write_bytes(body)
        return found

    def modelport(
        self,
        kind: str,
        runtime: str,
        upload: Path,
        options: tuple[str, ...],
        body: dict[int, Path],
        serve: tuple[str, ...] = (),
    ) -> Contender:
        """``modelport build UPLOAD --name KIND-RUNTIME OPTIONS`` (when building), served with
        one worker process on its native JSON route."""
        name = f"{kind}-{runtime}"
        if self.build:
            command = [str(subject.MODELPORT), "build", str(upload), "--name", name, *options]
            env = {**os.environ, "MODELPORT_HOME": str(self.place.home)}
            done = subprocess.run(command, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
        port = self.port()
        route = Route(
            "native JSON", f"/v1/models/{name}/predict", BodyKind.RECORDS, AnswerKind.RECORDS, True
        )
        spec = ServerSpec(
            name,
            f"modelport, {runtime}",
            (str(subject.MODELPORT), "serve", name, "--port", str(port), "--workers", "1", *serve),
            port,
            (route,),
            subject.ROOT,
            {"MODELPORT_HOME": str(self.place.home), **OFFLINE, **self.place.thread_env()},
            modelport=True,
        )
        decode = bodies.classified(LABELS) if kind == "huggingface" else _column_decoder(kind)
        return Contender(runtime, spec, body, decode)

    def mlserver(
        self,
        kind: str,
        runtime: str,
        uri: Path,
        extra: dict[str, object],
        body: dict[int, Path],
        version: str,
    ) -> Contender:
        """MLServer with ``runtime`` (a key of ``framework_peer.RUNTIMES``) serving ``uri``."""
        port = self.port()
        folder = framework_peer.write_settings(
            self.place.folder("mlserver", kind), port, kind, runtime, uri, extra
        )
        route = Route("V2", f"/v2/models/{kind}/infer", BodyKind.V2_MATRIX, AnswerKind.V2, True)
        spec = ServerSpec(
            f"{kind}-mlserver",
            f"MLServer {version} + mlserver-{runtime}",
            framework_peer.command(self.place.cache, folder),
            port,
            (route,),
            folder,
            {**peer_env(self.place.cache, uri), **OFFLINE, **self.place.thread_env()},
        )
        decode = bodies.v2_classified(LABELS) if kind == "huggingface" else bodies.v2_first_output
        return Contender("mlserver", spec, body, decode)


def _column_decoder(kind: str) -> bodies.Decode:
    return bodies.records("output" if kind in ("pytorch", "keras") else "predictions")


def _b64(schema: pa.Schema) -> str:
    return base64.b64encode(schema.serialize().to_pybytes()).decode()


def kinds(place: Place, build: bool, version: str, only: set[str]) -> list[Kind]:
    """Every kind chosen (all when ``only`` is empty), its models made and built."""
    maker = Builder(place, build)
    found = []
    for name, make in MAKERS.items():
        if only and name not in only:
            maker.next_port += 30  # the ports stay each kind's own
            continue
        found.append(make(maker, place.folder("models", name), version))
    return found


def _matrices() -> dict[int, np.ndarray]:
    return {count: models.rows(count) for count in ROW_COUNTS}


def _sklearn(maker: Builder, folder: Path, version: str) -> Kind:
    path = folder / "model.joblib"
    predict = models.sklearn_classifier(path)
    matrices = _matrices()
    ours = maker.write(
        "sklearn", "modelport", {n: bodies.column_rows("inputs", m) for n, m in matrices.items()}
    )
    theirs = maker.write(
        "sklearn", "mlserver", {n: bodies.v2_matrix(m) for n, m in matrices.items()}
    )
    common = ("--framework", "sklearn", "--env", "inherit")
    return Kind(
        "sklearn",
        "scikit-learn: StandardScaler + LogisticRegression, 16 features, 4 classes (its labels)",
        {n: predict(m) for n, m in matrices.items()},
        (
            maker.modelport("sklearn", "onnx", path, (*common, "--runtime", "onnx"), ours),
            maker.modelport(
                "sklearn", "framework", path, (*common, "--runtime", "framework"), ours
            ),
            maker.mlserver("sklearn", "sklearn", path, {}, theirs, version),
        ),
    )


def _xgboost(maker: Builder, folder: Path, version: str) -> Kind:
    path, booster = folder / "model.pkl", folder / "model.json"
    predict = models.xgboost_regressor(path, booster)
    matrices = _matrices()
    ours = maker.write(
        "xgboost", "modelport", {n: bodies.column_rows("inputs", m) for n, m in matrices.items()}
    )
    theirs = maker.write(
        "xgboost", "mlserver", {n: bodies.v2_matrix(m) for n, m in matrices.items()}
    )
    common = ("--framework", "xgboost", "--env", "inherit")
    return Kind(
        "xgboost",
        "XGBoost: XGBRegressor, 50 trees of depth 4, 16 features",
        {n: predict(m) for n, m in matrices.items()},
        (
            maker.modelport("xgboost", "onnx", path, (*common, "--runtime", "onnx"), ours),
            maker.modelport(
                "xgboost", "framework", path, (*common, "--runtime", "framework"), ours
            ),
            maker.mlserver("xgboost", "xgboost", booster, {}, theirs, version),
        ),
    )


def _tensor_options(framework: str) -> tuple[str, ...]:
    inputs, outputs = TENSORS
    return (
        "--framework",
        framework,
        "--env",
        "inherit",
        "--input-schema",
        _b64(inputs),
        "--output-schema",
        _b64(outputs),
    )


def _pytorch(maker: Builder, folder: Path, version: str) -> Kind:
    path = folder / "model.pt"
    predict = models.torch_module(path)
    matrices = _matrices()
    ours = maker.write(
        "pytorch", "modelport", {n: bodies.column_rows("tensor", m) for n, m in matrices.items()}
    )
    common = _tensor_options("pytorch")
    return Kind(
        "pytorch",
        "PyTorch: a TorchScript perceptron, 16 → 64 → 4 with a softmax (float32)",
        {n: predict(m) for n, m in matrices.items()},
        (
            maker.modelport("pytorch", "onnx", path, (*common, "--runtime", "onnx"), ours),
            maker.modelport(
                "pytorch", "framework", path, (*common, "--runtime", "framework"), ours
            ),
        ),
        "MLServer has no runtime for a TorchScript file (only through an MLflow model).",
    )


def _keras(maker: Builder, folder: Path, version: str) -> Kind:
    path = folder / "model.keras"
    predict = models.keras_model(path)
    matrices = _matrices()
    ours = maker.write(
        "keras", "modelport", {n: bodies.column_rows("tensor", m) for n, m in matrices.items()}
    )
    return Kind(
        "keras",
        "Keras: the same perceptron, a `.keras` file (TensorFlow backend)",
        {n: predict(m) for n, m in matrices.items()},
        (
            maker.modelport(
                "keras", "onnx", path, (*_tensor_options("keras"), "--runtime", "onnx"), ours
            ),
            maker.modelport(
                "keras",
                "framework",
                path,
                (*_tensor_options("keras"), "--runtime", "framework"),
                ours,
            ),
        ),
        "MLServer has no TensorFlow runtime of its own.",
    )


def _mlflow(maker: Builder, folder: Path, version: str) -> Kind:
    pickled, saved = folder / "model.pkl", folder / "mlflow-model"
    predict = models.mlflow_classifier(pickled)
    if maker.build or not saved.exists():
        script = Path(__file__).resolve().parent / "mlflow_save.py"
        command = [
            str(framework_peer.python(maker.place.cache)),
            str(script),
            str(pickled),
            str(saved),
        ]
        subprocess.run([*command, str(models.FEATURES)], check=True, capture_output=True)
    matrices, names = _matrices(), models.columns()
    ours = maker.write(
        "mlflow", "modelport", {n: bodies.named_rows(names, m) for n, m in matrices.items()}
    )
    theirs = maker.write(
        "mlflow", "mlserver", {n: bodies.v2_columns(names, m) for n, m in matrices.items()}
    )
    return Kind(
        "mlflow",
        "MLflow: a scikit-learn LogisticRegression saved by `mlflow.sklearn.save_model`, "
        "16 named columns",
        {n: predict(m) for n, m in matrices.items()},
        (
            maker.modelport("mlflow", "framework", saved, ("--framework", "mlflow"), ours),
            maker.mlserver("mlflow", "mlflow", saved, {}, theirs, version),
        ),
        "modelport serves it through mlflow.pyfunc in the environment it builds from the model's "
        "requirements.txt, as MLServer's mlflow runtime does in its own; neither converts it.",
    )


def _huggingface(maker: Builder, folder: Path, version: str) -> Kind:
    saved, zipped = folder / "sentiment", folder / "sentiment.zip"
    predict = models.text_classifier(saved, zipped)
    texts = {count: models.texts(count) for count in ROW_COUNTS}
    ours = maker.write(
        "huggingface", "modelport", {n: bodies.text_rows(t) for n, t in texts.items()}
    )
    theirs = maker.write(
        "huggingface", "mlserver", {n: bodies.v2_texts(t) for n, t in texts.items()}
    )
    options = ("--framework", "hugging-face-text-classification", "--env", "inherit")
    extra = {"task": "text-classification", "pretrained_model": str(saved), "framework": "pt"}
    return Kind(
        "huggingface",
        "Hugging Face text-classification: a 2-layer BERT (hidden size 32, random weights), "
        "a WordPiece tokenizer of 20 words",
        {n: predict(t) for n, t in texts.items()},
        (
            # a batch is one pipeline call per row: 1,000 rows outlast the default 60 s bound
            maker.modelport("huggingface", "framework", zipped, options, ours, ("--timeout", "0")),
            maker.mlserver("huggingface", "huggingface", saved, extra, theirs, version),
        ),
        "transformers serves both (no ONNX conversion of pipelines); the same saved folder, "
        "loaded offline. 1,000 texts are timed one request at a time: at 8 at once a request "
        "outlasts the run.",
        alone=(1000,),
    )


MAKERS = {
    "sklearn": _sklearn,
    "xgboost": _xgboost,
    "pytorch": _pytorch,
    "keras": _keras,
    "mlflow": _mlflow,
    "huggingface": _huggingface,
}
