# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""GPU facts through NVML, one field at a time: what NVML refuses is reported, never fatal.

``collect(nvml)`` takes the ``pynvml`` module of nvidia-ml-py (or anything with its API, as the
unit tests' fake) and returns plain data. On GB10 (DGX Spark, unified memory) NVML answers
*Not Supported* for the memory query and some others; such a field is ``None`` and its reason
is listed under ``unavailable``. A host with no driver or no NVML gets ``gpu_count: 0`` and a
reason, not a traceback.
"""

from __future__ import annotations

import typing as t

# NVML's return codes (nvml.h) that have a meaning here.
_NOT_SUPPORTED = 3
_REASONS = {
    1: "NVML is not initialised",
    2: "invalid argument",
    3: "Not Supported",
    4: "no permission",
    9: "the NVIDIA driver is not loaded",
    12: "the NVML library (libnvidia-ml.so.1) was not found: no NVIDIA driver is installed",
    13: "this driver's NVML lacks the function",
    15: "the GPU has fallen off the bus or is otherwise lost",
}
ARCHITECTURES = {2: "Kepler", 3: "Maxwell", 4: "Pascal", 5: "Volta", 6: "Turing", 7: "Ampere", 8: "Ada",
                 9: "Hopper", 10: "Blackwell"}
# nvmlClocksEventReasons / nvmlClocksThrottleReasons bits.
THROTTLE_REASONS = {0x1: "gpu_idle", 0x2: "applications_clocks_setting", 0x4: "sw_power_cap", 0x8: "hw_slowdown",
                    0x10: "sync_boost", 0x20: "sw_thermal_slowdown", 0x40: "hw_thermal_slowdown",
                    0x80: "hw_power_brake_slowdown", 0x100: "display_clock_setting"}
_TEMPERATURE_GPU = 0
_CLOCKS = {"graphics": 0, "sm": 1, "memory": 2}
_ECC_COUNTERS = {"volatile": 0, "aggregate": 1}
_ECC_TYPES = {"corrected": 0, "uncorrected": 1}
_MIB = 1024 * 1024


def _text(value: t.Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def reason(exc: BaseException) -> str:
    """What an NVML error means, in words (NVMLError carries the code in ``value``)."""
    code = getattr(exc, "value", None)
    if isinstance(code, int) and code in _REASONS:
        return _REASONS[code]
    return _text(exc) or type(exc).__name__


class _Reader:
    """Calls NVML for one field at a time and records what it refused."""

    def __init__(self, nvml: t.Any, unavailable: dict[str, str]) -> None:
        self.nvml = nvml
        self.unavailable = unavailable

    def get(self, field: str, names: str | tuple[str, ...], *args: t.Any) -> t.Any:
        for name in (names,) if isinstance(names, str) else names:
            function = getattr(self.nvml, name, None)
            if function is None:
                continue
            try:
                return function(*args)
            except self.nvml.NVMLError as exc:
                self.unavailable[field] = reason(exc)
                return None
        self.unavailable[field] = "this nvidia-ml-py lacks " + (names if isinstance(names, str) else names[0])
        return None


def _memory(read: _Reader, handle: t.Any) -> dict[str, int] | None:
    info = read.get("memory", "nvmlDeviceGetMemoryInfo", handle)
    if info is None:
        return None
    return {"total_mib": int(info.total) // _MIB, "used_mib": int(info.used) // _MIB, "free_mib": int(info.free) // _MIB}


def _watts(milliwatts: t.Any) -> float | None:
    return None if milliwatts is None else round(int(milliwatts) / 1000.0, 1)


def _mode(current: t.Any, pending: t.Any) -> dict[str, bool]:
    """A mode NVML reports as (current, pending): ``pending_mode`` is the mode after the next reboot (or GPU reset),
    ``change_pending`` whether that differs from the mode in force now."""
    return {"enabled": bool(current), "pending_mode": bool(pending), "change_pending": bool(current) != bool(pending)}


def _ecc(read: _Reader, handle: t.Any) -> dict[str, t.Any]:
    mode = read.get("ecc.mode", "nvmlDeviceGetEccMode", handle)
    result: dict[str, t.Any] = {"enabled": None, "pending_mode": None, "change_pending": None} if mode is None \
        else _mode(mode[0], mode[1])
    result["errors"] = None
    if mode is not None and mode[0]:
        errors = {}
        for counter, counter_id in _ECC_COUNTERS.items():
            for kind, kind_id in _ECC_TYPES.items():
                errors[f"{counter}_{kind}"] = read.get(f"ecc.errors.{counter}_{kind}", "nvmlDeviceGetTotalEccErrors",
                                                       handle, kind_id, counter_id)
        result["errors"] = errors
    return result


def _clocks(read: _Reader, handle: t.Any) -> dict[str, int | None]:
    clocks: dict[str, int | None] = {}
    for name, clock_id in _CLOCKS.items():
        clocks[f"{name}_mhz"] = read.get(f"clocks.{name}_mhz", "nvmlDeviceGetClockInfo", handle, clock_id)
        clocks[f"max_{name}_mhz"] = read.get(f"clocks.max_{name}_mhz", "nvmlDeviceGetMaxClockInfo", handle, clock_id)
    return clocks


def _throttle(read: _Reader, handle: t.Any) -> list[str] | None:
    mask = read.get("throttle_reasons", ("nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons"),
                    handle)
    if mask is None:
        return None
    return [name for bit, name in THROTTLE_REASONS.items() if int(mask) & bit]


def device(nvml: t.Any, index: int) -> dict[str, t.Any]:
    """Every fact about GPU ``index``; a field NVML refuses is None, its reason under ``unavailable``."""
    unavailable: dict[str, str] = {}
    read = _Reader(nvml, unavailable)
    gpu: dict[str, t.Any] = {"index": index}
    handle = read.get("handle", "nvmlDeviceGetHandleByIndex", index)
    if handle is None:
        gpu["unavailable"] = unavailable
        return gpu
    name = read.get("name", "nvmlDeviceGetName", handle)
    uuid = read.get("uuid", "nvmlDeviceGetUUID", handle)
    pci = read.get("pci_bus_id", "nvmlDeviceGetPciInfo", handle)
    arch = read.get("architecture", "nvmlDeviceGetArchitecture", handle)
    capability = read.get("compute_capability", "nvmlDeviceGetCudaComputeCapability", handle)
    utilization = read.get("utilization", "nvmlDeviceGetUtilizationRates", handle)
    mig = read.get("mig", "nvmlDeviceGetMigMode", handle)
    persistence = read.get("persistence_mode", "nvmlDeviceGetPersistenceMode", handle)
    gpu.update({
        "name": None if name is None else _text(name),
        "uuid": None if uuid is None else _text(uuid),
        "pci_bus_id": None if pci is None else _text(pci.busId),
        "architecture": None if arch is None else ARCHITECTURES.get(int(arch), f"unknown ({arch})"),
        "compute_capability": None if capability is None else f"{capability[0]}.{capability[1]}",
        "memory": _memory(read, handle),
        "temperature_c": read.get("temperature_c", "nvmlDeviceGetTemperature", handle, _TEMPERATURE_GPU),
        "power_draw_w": _watts(read.get("power_draw_w", "nvmlDeviceGetPowerUsage", handle)),
        "power_limit_w": _watts(read.get("power_limit_w", "nvmlDeviceGetEnforcedPowerLimit", handle)),
        "utilization": None if utilization is None else {"gpu_percent": int(utilization.gpu),
                                                         "memory_percent": int(utilization.memory)},
        "ecc": _ecc(read, handle),
        "mig": None if mig is None else _mode(mig[0], mig[1]),
        "persistence_mode": None if persistence is None else bool(persistence),
        "clocks": _clocks(read, handle),
        "throttle_reasons": _throttle(read, handle),
    })
    gpu["unavailable"] = unavailable
    return gpu


def _cuda_version(value: t.Any) -> str | None:
    return None if value is None else f"{int(value) // 1000}.{int(value) % 1000 // 10}"


def empty(why: str) -> dict[str, t.Any]:
    return {"gpu_count": 0, "driver_version": None, "cuda_driver_version": None, "nvml_version": None, "gpus": [],
            "reason": why, "unavailable": {}}


def collect(nvml: t.Any) -> dict[str, t.Any]:
    """The host's GPU facts. Never raises for an NVML error: it becomes a reason."""
    try:
        nvml.nvmlInit()
    except nvml.NVMLError as exc:
        return empty(reason(exc))
    try:
        unavailable: dict[str, str] = {}
        read = _Reader(nvml, unavailable)
        driver = read.get("driver_version", "nvmlSystemGetDriverVersion")
        cuda = read.get("cuda_driver_version", ("nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion"))
        nvml_version = read.get("nvml_version", "nvmlSystemGetNVMLVersion")
        count = read.get("gpu_count", "nvmlDeviceGetCount")
        gpus = [device(nvml, index) for index in range(int(count or 0))]
        return {
            "gpu_count": len(gpus),
            "driver_version": None if driver is None else _text(driver),
            "cuda_driver_version": _cuda_version(cuda),
            "nvml_version": None if nvml_version is None else _text(nvml_version),
            "gpus": gpus,
            "reason": "" if gpus else ("NVML reports no GPU" if count is not None else unavailable.get("gpu_count", "")),
            "unavailable": unavailable,
        }
    finally:
        try:
            nvml.nvmlShutdown()
        except nvml.NVMLError:
            pass
