"""The NeMo validation script (roles/nemo/files/nemo_validate.py) as the role runs it: a subprocess, --json and --report.

Without PyTorch (this machine) it must fail clearly, naming what is missing. Where PyTorch is importable the CPU path
runs for real (the plain-PyTorch backend; the NeMo backend too where NeMo is importable), and where a CUDA GPU is
visible the GPU path runs: docs/testing.md records what real hardware reported."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import subprocess
import sys

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[3] / "roles" / "nemo" / "files" / "nemo_validate.py"


def _run(tmp_path: pathlib.Path, *args: str) -> tuple[int, dict, str]:
    report = tmp_path / "report.md"
    done = subprocess.run([sys.executable, str(SCRIPT), "--json", "--report", str(report), *args], capture_output=True, text=True,
                          timeout=600, check=False)
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1]), report.read_text()


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="PyTorch is importable here")
def test_without_pytorch_it_fails_naming_what_is_missing(tmp_path: pathlib.Path) -> None:
    code, result, report = _run(tmp_path, "--device", "cpu")
    assert code == 1 and result["ok"] is False
    assert result["error"].startswith("PyTorch is not importable")
    assert {"name": "PyTorch", "ok": False, "detail": "PyTorch not importable"} in result["checks"]
    assert "result **FAIL**" in report and "| error | fail | PyTorch is not importable" in report


def test_a_bad_compute_capability_is_refused_before_anything_runs() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--expect-cc", "sm_121"], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "--expect-cc must be major.minor such as 12.1" in done.stderr


def test_the_torch_backend_trains_one_step_on_the_cpu(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("torch")
    code, result, report = _run(tmp_path, "--device", "cpu", "--backend", "torch")
    assert code == 0, result
    run = result["run"]
    assert run["loss_finite"] and run["weights_updated"] and run["parameters"] > 10_000 and run["peak_memory_bytes"] > 0
    assert "result **pass**" in report and "NeMo is not validated" in report


def test_the_nemo_backend_builds_the_ctc_model_from_configuration_on_the_cpu(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("nemo")
    code, result, _report = _run(tmp_path, "--device", "cpu")
    assert code == 0, result
    assert result["run"]["backend"] == "nemo" and result["versions"]["nemo"]


def test_on_a_gpu_it_checks_the_device_and_trains_there(tmp_path: pathlib.Path) -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU here")
    backend = "nemo" if importlib.util.find_spec("nemo") else "torch"
    major, minor = torch.cuda.get_device_capability(0)
    code, result, report = _run(tmp_path, "--device", "cuda", "--backend", backend, "--expect-cc", f"{major}.{minor}")
    assert code == 0, result
    assert result["gpu"]["available"] and result["run"]["device"] == "cuda" and result["run"]["peak_memory_kind"] == "CUDA allocator peak"
    print(report)
