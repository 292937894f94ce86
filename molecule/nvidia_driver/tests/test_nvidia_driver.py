"""nova.dgx.nvidia_driver in install mode, against the stand-in repository (docs/testing.md)."""

from __future__ import annotations

import json
import os

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")
WHEEL = "/usr/local/lib/nova-dgx/python/nvidia_ml_py.whl"


def test_the_cuda_repository_is_signed_and_points_at_the_mirror(host) -> None:
    sources = host.file("/etc/apt/sources.list.d/nova-nvidia-cuda.sources").content_string
    assert "URIs: file:/srv/nova-mirror/nvidia-cuda/debian12/x86_64\n" in sources
    assert "Signed-By: /etc/apt/keyrings/nova-nvidia-cuda.asc" in sources
    policy = host.check_output("apt-cache policy nvidia-open")
    assert "file:/srv/nova-mirror/nvidia-cuda/debian12/x86_64" in policy and "580.95.05-1" in policy


def test_the_branch_packages_are_installed_and_held(host) -> None:
    selections = dict(line.split() for line in host.check_output("dpkg --get-selections").splitlines())
    for name in ("nvidia-driver-pinning-580", "nvidia-open", "nvidia-persistenced"):
        assert host.package(name).is_installed
        assert selections[name] == "hold", name
    # Held: a simulated upgrade does not touch them.
    assert "nvidia-open" not in host.check_output("apt-get -s -o Debug::NoLocking=1 upgrade | grep ^Inst || true")


def test_nouveau_is_blacklisted(host) -> None:
    assert "blacklist nouveau" in host.check_output("modprobe --showconfig")


def test_the_persistence_daemon_runs(host) -> None:
    service = host.service("nvidia-persistenced")
    assert service.is_running and service.is_enabled


def test_a_reboot_is_flagged_not_done(host) -> None:
    assert "NVIDIA driver 580" in host.file("/run/reboot-required").content_string
    assert float(host.check_output("cut -d. -f1 /proc/uptime")) > 0


def test_nvidia_gpu_info_reports_no_gpu_and_why(host) -> None:
    assert host.file(WHEEL).mode == 0o644
    result = host.run("python3 -c 'import sys; sys.path.append(\"%s\"); import pynvml; print(pynvml.__file__)'" % WHEEL)
    assert result.rc == 0 and WHEEL in result.stdout
    facts = host.ansible("nova.dgx.nvidia_gpu_info", check=False)
    assert facts["gpu_count"] == 0 and "libnvidia-ml.so.1" in facts["reason"], json.dumps(facts)
