"""What the run was measured on: cores, memory, CPU model, kernel, interpreter, BLAS settings."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> dict[str, str]:
    """Facts about this machine, as text for the report."""
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    blas = {name: os.environ.get(name, "") for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{memory_kib / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load average at start": load,
        "OpenBLAS settings": ", ".join(f"{k}={v or 'unset'}" for k, v in blas.items()),
    }
