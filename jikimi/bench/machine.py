"""What the numbers were measured on: a ratio means little without the machine beside it."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def describe_machine() -> dict[str, Any]:
    """CPU model and count, memory, and the onnxruntime providers (a GPU shows up there)."""
    import onnxruntime as ort

    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_gb = None
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        first = meminfo.read_text(encoding="utf-8").splitlines()[0].split()
        memory_gb = round(int(first[1]) / 1024 / 1024, 1)
    return {"cpu": model, "cores": len(os.sched_getaffinity(0)), "memory_gb": memory_gb,
            "onnxruntime": ort.__version__, "providers": ort.get_available_providers(),
            "gpu": "CUDAExecutionProvider" in ort.get_available_providers()}
