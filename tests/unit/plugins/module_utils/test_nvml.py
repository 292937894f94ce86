"""GPU facts through a fake NVML: Not Supported per field (GB10), missing library, driver not
loaded, several GPUs, MIG, a lost GPU, and an older nvidia-ml-py without a function."""

from __future__ import annotations

import types

from ansible_collections.nova.dgx.plugins.module_utils._nvml import collect

from .fake_nvml import DRIVER_NOT_LOADED, GPU_IS_LOST, LIBRARY_NOT_FOUND, FakeNVML, NVMLError, gb10, h100


def test_gb10_reports_memory_as_not_supported_and_everything_else() -> None:
    facts = collect(FakeNVML([gb10()]))
    assert facts["gpu_count"] == 1 and facts["reason"] == ""
    assert facts["driver_version"] == "580.95.05" and facts["cuda_driver_version"] == "13.0"
    gpu = facts["gpus"][0]
    assert gpu["name"] == "NVIDIA GB10" and gpu["architecture"] == "Blackwell" and gpu["compute_capability"] == "12.1"
    assert gpu["memory"] is None and gpu["unavailable"]["memory"] == "Not Supported"
    assert gpu["ecc"] == {"enabled": None, "pending_mode": None, "change_pending": None, "errors": None} and gpu["unavailable"]["ecc.mode"] == "Not Supported"
    assert gpu["mig"] is None and gpu["power_limit_w"] is None
    assert sorted(gpu["unavailable"]) == ["ecc.mode", "memory", "mig", "power_limit_w"]
    assert gpu["temperature_c"] == 31 and gpu["power_draw_w"] == 71.2 and gpu["persistence_mode"] is True
    assert gpu["pci_bus_id"] == "0000000F:01:00.0"


def test_several_gpus_each_with_its_own_facts() -> None:
    fake = FakeNVML([h100(0), h100(1, nvmlDeviceGetTemperature=44), h100(2, nvmlDeviceGetTotalEccErrors=3)])
    facts = collect(fake)
    assert facts["gpu_count"] == 3
    assert [g["index"] for g in facts["gpus"]] == [0, 1, 2]
    assert [g["pci_bus_id"] for g in facts["gpus"]] == ["00000000:18:00.0", "00000000:19:00.0", "00000000:1A:00.0"]
    assert facts["gpus"][1]["temperature_c"] == 44
    assert facts["gpus"][0]["memory"] == {"total_mib": 81559, "used_mib": 528, "free_mib": 81031}
    assert facts["gpus"][2]["ecc"]["errors"] == {"volatile_corrected": 3, "volatile_uncorrected": 3,
                                                 "aggregate_corrected": 3, "aggregate_uncorrected": 3}
    assert facts["gpus"][0]["throttle_reasons"] == ["gpu_idle", "sw_power_cap"]
    assert facts["gpus"][0]["clocks"]["max_sm_mhz"] == 1980
    assert all(g["unavailable"] == {} for g in facts["gpus"])
    assert fake.shutdowns == 1


def test_mig_mode_now_and_after_the_next_reboot() -> None:
    facts = collect(FakeNVML([h100(0, nvmlDeviceGetMigMode=[1, 0]), h100(1, nvmlDeviceGetMigMode=[0, 1]),
                              h100(2, nvmlDeviceGetMigMode=[1, 1])]))
    assert facts["gpus"][0]["mig"] == {"enabled": True, "pending_mode": False, "change_pending": True}
    assert facts["gpus"][1]["mig"] == {"enabled": False, "pending_mode": True, "change_pending": True}
    assert facts["gpus"][2]["mig"] == {"enabled": True, "pending_mode": True, "change_pending": False}


def test_ecc_enabled_with_the_same_pending_mode_is_no_pending_change() -> None:
    # An H100 reports ECC (current, pending) = (Enabled, Enabled): the mode after the next reboot is
    # Enabled, and no change is waiting for that reboot.
    ecc = collect(FakeNVML([h100(0)]))["gpus"][0]["ecc"]
    assert ecc["enabled"] is True and ecc["pending_mode"] is True and ecc["change_pending"] is False
    assert "pending" not in ecc


def test_ecc_switched_off_until_the_next_reboot_is_a_pending_change() -> None:
    ecc = collect(FakeNVML([h100(0, nvmlDeviceGetEccMode=[1, 0])]))["gpus"][0]["ecc"]
    assert ecc["enabled"] is True and ecc["pending_mode"] is False and ecc["change_pending"] is True
    assert ecc["errors"] is not None


def test_ecc_off_reads_no_counters() -> None:
    fake = FakeNVML([h100(0, nvmlDeviceGetEccMode=[0, 0])])
    gpu = collect(fake)["gpus"][0]
    assert gpu["ecc"] == {"enabled": False, "pending_mode": False, "change_pending": False, "errors": None}
    assert "nvmlDeviceGetTotalEccErrors" not in fake.calls


def test_missing_library_is_a_reason_not_a_failure() -> None:
    fake = FakeNVML([], init_error=LIBRARY_NOT_FOUND)
    facts = collect(fake)
    assert facts["gpu_count"] == 0 and facts["gpus"] == [] and facts["driver_version"] is None
    assert "libnvidia-ml.so.1" in facts["reason"] and "no NVIDIA driver" in facts["reason"]
    assert fake.shutdowns == 0


def test_driver_not_loaded() -> None:
    assert collect(FakeNVML([], init_error=DRIVER_NOT_LOADED))["reason"] == "the NVIDIA driver is not loaded"


def test_driver_without_gpus() -> None:
    facts = collect(FakeNVML([]))
    assert facts["gpu_count"] == 0 and facts["reason"] == "NVML reports no GPU" and facts["driver_version"] == "580.95.05"


def test_a_lost_gpu_is_reported_without_hiding_the_others() -> None:
    facts = collect(FakeNVML([h100(0), h100(1, handle=NVMLError(GPU_IS_LOST))]))
    assert facts["gpu_count"] == 2
    assert facts["gpus"][0]["name"] == "NVIDIA H100 80GB HBM3"
    assert facts["gpus"][1] == {"index": 1, "unavailable": {"handle": "the GPU has fallen off the bus or is otherwise lost"}}


def test_older_nvidia_ml_py_falls_back_to_the_throttle_reasons_call() -> None:
    gpu = h100(0)
    gpu["nvmlDeviceGetCurrentClocksThrottleReasons"] = gpu.pop("nvmlDeviceGetCurrentClocksEventReasons")
    fake = FakeNVML([gpu])
    fake.nvmlDeviceGetCurrentClocksEventReasons = None
    assert collect(fake)["gpus"][0]["throttle_reasons"] == ["gpu_idle", "sw_power_cap"]


def test_a_function_missing_from_nvidia_ml_py_is_named() -> None:
    fake = FakeNVML([gb10()], drop=("nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion"))
    facts = collect(fake)
    assert facts["cuda_driver_version"] is None
    assert facts["unavailable"] == {"cuda_driver_version": "this nvidia-ml-py lacks nvmlSystemGetCudaDriverVersion_v2"}


def test_bytes_from_old_bindings_become_text() -> None:
    facts = collect(FakeNVML([h100(0, nvmlDeviceGetName=b"Tesla V100", nvmlDeviceGetArchitecture=5,
                                   nvmlDeviceGetPciInfo=types.SimpleNamespace(busId=b"0000:3B:00.0"))], driver=b"535.54.03"))
    assert facts["driver_version"] == "535.54.03"
    assert facts["gpus"][0]["name"] == "Tesla V100" and facts["gpus"][0]["architecture"] == "Volta"
