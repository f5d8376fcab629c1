"""System metrics next to the loss: CPU, memory and each GPU, sampled every few seconds.

``sample()`` reads the machine once and answers ``{key: value}`` under ``system/``:

- ``system/cpu_percent`` (the machine's, since the last sample), ``system/memory_percent``,
  ``system/process_rss_mb`` (this program's resident memory), with psutil;
- per GPU *i*, through NVML (``pip install mlgraph-client[gpu]``: nvidia-ml-py) when it is
  there and finds a device: ``system/gpu.i.utilization_percent``,
  ``system/gpu.i.memory_percent``, ``system/gpu.i.memory_used_mb``, ``system/gpu.i.power_w``.
  Without NVML or a GPU, nothing about GPUs (and no error).

``Run`` logs a sample every ``system_metrics_interval`` seconds from its sender thread, the
sample's number as the step. A reading that fails is left out of that sample; sampling never
raises into the program."""

from __future__ import annotations

from typing import Any

import psutil

BYTES_PER_MB = 1024 * 1024


def read_gpus() -> list[dict[str, float]]:
    """Each GPU's readings through NVML, or none (no NVML, no driver, no device): the
    boundary a test replaces to play a machine with GPUs."""
    try:
        import pynvml  # nvidia-ml-py
    except ImportError:
        return []
    try:
        pynvml.nvmlInit()
    except Exception:  # noqa: BLE001 - no driver: no GPU readings
        return []
    readings = []
    try:
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            reading: dict[str, float] = {
                "utilization_percent": float(pynvml.nvmlDeviceGetUtilizationRates(handle).gpu),
                "memory_percent": 100.0 * memory.used / memory.total if memory.total else 0.0,
                "memory_used_mb": memory.used / BYTES_PER_MB,
            }
            try:
                reading["power_w"] = pynvml.nvmlDeviceGetPowerUsage(handle) / 1000.0
            except Exception:  # noqa: BLE001 - some boards do not report power
                pass
            readings.append(reading)
    finally:
        pynvml.nvmlShutdown()
    return readings


class SystemSampler:
    def __init__(self) -> None:
        self.process = psutil.Process()
        psutil.cpu_percent(interval=None)  # the first call starts the measurement

    def sample(self) -> dict[str, float]:
        values: dict[str, float] = {}
        readers: list[tuple[str, Any]] = [
            ("system/cpu_percent", lambda: psutil.cpu_percent(interval=None)),
            ("system/memory_percent", lambda: psutil.virtual_memory().percent),
            ("system/process_rss_mb", lambda: self.process.memory_info().rss / BYTES_PER_MB),
        ]
        for key, read in readers:
            try:
                values[key] = float(read())
            except Exception:  # noqa: BLE001, S112 - a reading that fails is left out
                continue
        try:
            gpus = read_gpus()
        except Exception:  # noqa: BLE001 - no GPU readings this time
            gpus = []
        for index, reading in enumerate(gpus):
            for name, value in reading.items():
                values[f"system/gpu.{index}.{name}"] = float(value)
        return values
