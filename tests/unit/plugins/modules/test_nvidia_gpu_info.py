"""nova.dgx.nvidia_gpu_info through real ansible-playbook runs on this machine.

Without a GPU (CI): the module succeeds with gpu_count 0 and says why, both where nvidia-ml-py
is missing and where it is installed but there is no driver. With a GPU (the lent GPU machine):
its answers are compared with nvidia-smi's; the test is skipped where NVML cannot start.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]


def _run(tmp_path: pathlib.Path, interpreter: str, check: bool = False) -> dict:
    play = tmp_path / "play.yml"
    out = tmp_path / "r.json"
    play.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - nova.dgx.nvidia_gpu_info:\n      register: r\n"
        "    - ansible.builtin.copy: {content: '{{ r | to_json }}', dest: " + str(out) + "}\n"
        "      check_mode: false\n"
    )
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", NOVA_DGX_JOURNAL_DIR=str(tmp_path / "journal"))
    cmd = [str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
           "-e", f"ansible_python_interpreter={interpreter}", str(play), *(["--check"] if check else [])]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(out.read_text())


def _nvml_starts() -> bool:
    try:
        import pynvml  # pylint: disable=import-outside-toplevel
        pynvml.nvmlInit()
        pynvml.nvmlShutdown()
        return True
    except Exception:  # pylint: disable=broad-except
        return False


@pytest.mark.skipif(_nvml_starts(), reason="this machine has a GPU: the no-driver path cannot be observed here")
def test_without_a_driver_the_host_reports_zero_gpus_and_why(tmp_path: pathlib.Path) -> None:
    facts = _run(tmp_path, sys.executable, check=True)
    assert facts["failed"] is False and facts["changed"] is False
    assert facts["gpu_count"] == 0 and facts["gpus"] == []
    assert "libnvidia-ml.so.1" in facts["reason"]


def test_without_nvidia_ml_py_the_host_reports_zero_gpus_and_why(tmp_path: pathlib.Path) -> None:
    bare = shutil.which("python3", path="/usr/bin")
    probe = subprocess.run([bare, "-c", "import pynvml"], capture_output=True, check=False) if bare else None
    if probe is None or probe.returncode == 0:
        pytest.skip("no system Python without pynvml here")
    facts = _run(tmp_path, bare)
    assert facts["gpu_count"] == 0 and "nvidia-ml-py (the pynvml module) is not installed" in facts["reason"]


@pytest.mark.skipif(not _nvml_starts() or shutil.which("nvidia-smi") is None, reason="no NVIDIA GPU and driver on this machine")
def test_on_a_real_gpu_the_facts_match_nvidia_smi(tmp_path: pathlib.Path) -> None:
    facts = _run(tmp_path, sys.executable)
    smi = ET.fromstring(subprocess.run(["nvidia-smi", "-q", "-x"], capture_output=True, text=True, check=True).stdout)
    assert facts["driver_version"] == smi.findtext("driver_version")
    assert facts["gpu_count"] == int(smi.findtext("attached_gpus")) > 0
    for gpu, node in zip(facts["gpus"], smi.findall("gpu"), strict=True):
        assert gpu["uuid"] == node.findtext("uuid")
        assert gpu["name"] == node.findtext("product_name")
        assert gpu["pci_bus_id"].lower() == node.get("id").lower().replace("00000000:", "0000:", 1) or \
            gpu["pci_bus_id"].lower().endswith(node.get("id").lower()[-7:])
        if gpu["memory"] is not None:
            assert gpu["memory"]["total_mib"] == int(node.findtext("fb_memory_usage/total").split()[0])
        else:
            assert gpu["unavailable"]["memory"] == "Not Supported"
        for fact, mode in (("ecc", "ecc_mode/{}_ecc"), ("mig", "mig_mode/{}_mig")):
            now, after = node.findtext(mode.format("current")), node.findtext(mode.format("pending"))
            if gpu[fact] is not None and gpu[fact]["enabled"] is not None and now in ("Enabled", "Disabled"):
                assert gpu[fact]["enabled"] == (now == "Enabled"), fact
                assert gpu[fact]["pending_mode"] == (after == "Enabled"), fact
                assert gpu[fact]["change_pending"] == (now != after), fact
    # Recorded in docs/testing.md when a GPU machine runs this.
    print(json.dumps({k: facts[k] for k in ("driver_version", "cuda_driver_version", "gpu_count")}))
    print(json.dumps(facts["gpus"], indent=1))
