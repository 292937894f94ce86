"""A stand-in for nvidia-ml-py's pynvml module: the same function names, NVMLError with a code,
and per-GPU answers that can be values or errors. Only the unit tests use it."""

from __future__ import annotations

import types
import typing as t

NOT_SUPPORTED = 3
DRIVER_NOT_LOADED = 9
LIBRARY_NOT_FOUND = 12
GPU_IS_LOST = 15


class NVMLError(Exception):
    def __init__(self, value: int) -> None:
        super().__init__(f"NVML error {value}")
        self.value = value


def h100(index: int = 0, **override: t.Any) -> dict[str, t.Any]:
    """What an H100 SXM answers (values as nvidia-ml-py returns them)."""
    gpu = {
        "nvmlDeviceGetName": "NVIDIA H100 80GB HBM3",
        "nvmlDeviceGetUUID": f"GPU-0000000{index}-aaaa-bbbb-cccc-dddddddddddd",
        "nvmlDeviceGetPciInfo": types.SimpleNamespace(busId=f"00000000:{0x18 + index:02X}:00.0".encode()),
        "nvmlDeviceGetArchitecture": 9,
        "nvmlDeviceGetCudaComputeCapability": (9, 0),
        "nvmlDeviceGetMemoryInfo": types.SimpleNamespace(total=85520809984, used=553648128, free=84967161856),
        "nvmlDeviceGetTemperature": 31,
        "nvmlDeviceGetPowerUsage": 71234,
        "nvmlDeviceGetEnforcedPowerLimit": 700000,
        "nvmlDeviceGetUtilizationRates": types.SimpleNamespace(gpu=0, memory=0),
        "nvmlDeviceGetEccMode": [1, 1],
        "nvmlDeviceGetTotalEccErrors": 0,
        "nvmlDeviceGetMigMode": [0, 0],
        "nvmlDeviceGetPersistenceMode": 1,
        "nvmlDeviceGetClockInfo": 345,
        "nvmlDeviceGetMaxClockInfo": 1980,
        "nvmlDeviceGetCurrentClocksEventReasons": 0x1 | 0x4,
    }
    gpu.update(override)
    return gpu


def gb10(**override: t.Any) -> dict[str, t.Any]:
    """DGX Spark's GB10: unified memory, so the memory query and ECC answer Not Supported."""
    gpu = h100(0, **{
        "nvmlDeviceGetName": "NVIDIA GB10",
        "nvmlDeviceGetPciInfo": types.SimpleNamespace(busId="0000000F:01:00.0"),
        "nvmlDeviceGetArchitecture": 10,
        "nvmlDeviceGetCudaComputeCapability": (12, 1),
        "nvmlDeviceGetMemoryInfo": NVMLError(NOT_SUPPORTED),
        "nvmlDeviceGetEccMode": NVMLError(NOT_SUPPORTED),
        "nvmlDeviceGetMigMode": NVMLError(NOT_SUPPORTED),
        "nvmlDeviceGetEnforcedPowerLimit": NVMLError(NOT_SUPPORTED),
    })
    gpu.update(override)
    return gpu


class FakeNVML:
    """pynvml's API over a list of per-GPU answer tables; ``init_error`` fails nvmlInit."""

    NVMLError = NVMLError

    def __init__(self, gpus: list[dict[str, t.Any]], init_error: int | None = None, driver: t.Any = "580.95.05",
                 drop: tuple[str, ...] = ()) -> None:
        self.gpus = gpus
        self.init_error = init_error
        self.driver = driver
        self.calls: list[str] = []
        self.shutdowns = 0
        for name in drop:
            setattr(self, name, None)

    def __getattribute__(self, name: str) -> t.Any:
        value = object.__getattribute__(self, name)
        if value is None and name.startswith("nvml"):
            raise AttributeError(name)
        return value

    def nvmlInit(self) -> None:
        if self.init_error is not None:
            raise NVMLError(self.init_error)

    def nvmlShutdown(self) -> None:
        self.shutdowns += 1

    def nvmlSystemGetDriverVersion(self) -> t.Any:
        return self.driver

    def nvmlSystemGetCudaDriverVersion_v2(self) -> int:
        return 13000

    def nvmlSystemGetNVMLVersion(self) -> str:
        return "13.580.95.05"

    def nvmlDeviceGetCount(self) -> int:
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        answer = self.gpus[index].get("handle")
        if isinstance(answer, NVMLError):
            raise answer
        return index

    def _answer(self, name: str, handle: int) -> t.Any:
        self.calls.append(name)
        answer = self.gpus[handle].get(name, NVMLError(NOT_SUPPORTED))
        if isinstance(answer, NVMLError):
            raise answer
        return answer

    def __getattr__(self, name: str) -> t.Any:
        if not name.startswith("nvmlDevice") or name in self.__dict__:  # dropped (set to None)
            raise AttributeError(name)
        return lambda handle, *args: self._answer(name, handle)
