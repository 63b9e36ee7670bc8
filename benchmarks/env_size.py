"""How big a model's environment is: `modelport build` of a scaffolded model in a scratch home,
then the environment's size on disk, its number of distributions and the largest of them.

    .venv/bin/python benchmarks/env_size.py                  # the echo model (basic template)
    .venv/bin/python benchmarks/env_size.py --numpy-only     # a model taking numpy arrays only

The modelport measured is the one this interpreter imports. Needs the package index, or uv's
cache, for the model's environment. Sizes are of the files themselves (``du --apparent-size``
style): uv links files from its cache, so the disk a second environment takes can be less.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

NUMPY_ONLY = """
import numpy as np

import modelport
from modelport import Field, Signature


class EchoModel(modelport.Model):
    def predict(self, x: np.ndarray) -> np.ndarray:
        return x * 2

    def schema(self) -> Signature:
        return Signature(inputs=[Field("x", float)], outputs=[Field("y", float)])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numpy-only", action="store_true", help="a model without pandas")
    parser.add_argument("--top", type=int, default=12, help="largest distributions listed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelport-env-size-") as scratch:
        work = Path(scratch)
        environ = {**os.environ, "MODELPORT_HOME": str(work / "home")}
        modelport = [sys.executable, "-m", "modelport"]
        made = ["init", "echo", "--template", "basic", "--dir", str(work / "echo")]
        subprocess.run([*modelport, *made], env=environ, check=True, capture_output=True)
        if args.numpy_only:
            (work / "echo" / "main" / "model.py").write_text(NUMPY_ONLY)
            (work / "echo" / "main" / "requirements.txt").write_text("numpy\n")
            shutil.rmtree(work / "echo" / "tests")  # integration tests would ask for pandas
        built = subprocess.run(
            [*modelport, "build", str(work / "echo"), "--skip-tests"],
            env=environ,
            capture_output=True,
            text=True,
        )
        if built.returncode != 0:
            sys.exit(f"the build failed:\n{built.stdout}{built.stderr}")
        [env] = [p for p in (work / "home" / "envs").iterdir() if (p / "bin" / "python").is_file()]
        report(env, args.top)


def report(env: Path, top: int) -> None:
    total = sum(p.lstat().st_size for p in env.rglob("*") if p.is_file() and not p.is_symlink())
    sizes: dict[str, int] = {}
    for record in env.glob("lib/python*/site-packages/*.dist-info/RECORD"):
        site = record.parent.parent
        name = record.parent.name.split("-")[0]
        sizes[name] = sum(
            _size(site / line.split(",")[0]) for line in record.read_text().splitlines()
        )
    print(f"environment: {total / 2**20:.0f} MiB, {len(sizes)} distributions")
    for name, size in sorted(sizes.items(), key=lambda item: -item[1])[:top]:
        print(f"  {name:<24} {size / 2**20:7.1f} MiB")


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except OSError:
        return 0


if __name__ == "__main__":
    main()
