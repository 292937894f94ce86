"""Bad input to the GPU and container roles fails before anything on a host changes (see conftest.py).

The OS/architecture case hands the facts in (as a real host's setup would report them), so the
run fails on the controller exactly where a Debian 12 arm64 host would.
"""

from __future__ import annotations

import pytest

UBUNTU_ARM = {"ansible_facts": {"distribution": "Ubuntu", "distribution_version": "24.04", "architecture": "aarch64",
                                "distribution_release": "noble"}}
DEBIAN_ARM = {"ansible_facts": {"distribution": "Debian", "distribution_version": "12", "architecture": "aarch64",
                                "distribution_release": "bookworm"}}


CASES = [
    ("nova.dgx.nvidia_driver", {"nvidia_driver_branch": "580.95.05"},
     "nvidia_driver_branch: '580.95.05' is not a driver branch number; use the branch alone, such as '580'"),
    ("nova.dgx.nvidia_driver", {"nvidia_driver_branch": "latest"}, "nvidia_driver_branch: 'latest' is not a driver branch number"),
    ("nova.dgx.nvidia_driver", {"nvidia_driver_reboot": "always"},
     "value of nvidia_driver_reboot must be one of: auto, never, got: always"),
    ("nova.dgx.nvidia_driver", {"nvidia_driver_mode": "install", **DEBIAN_ARM},
     "NVIDIA publishes no CUDA repository for debian 12 on aarch64; supported: Ubuntu 22.04 x86_64, Ubuntu 22.04 aarch64"),
    ("nova.dgx.nvidia_driver", {"nvidia_driver_mode": "install", "ansible_facts": {**DEBIAN_ARM["ansible_facts"], "architecture": "x86_64"}},
     "nvidia_driver_repository_key_sha256 is not set"),
    ("nova.dgx.cuda", {"cuda_version": "13"},
     "cuda_version: '13' is not a CUDA version in X.Y form; write it as a quoted string such as '13.0'"),
    ("nova.dgx.cuda", {"cuda_install": "install", "nvidia_driver_repository_key_file": "/k.asc", **DEBIAN_ARM},
     "NVIDIA publishes no CUDA repository for debian 12 on aarch64"),
    ("nova.dgx.docker", {"docker_source": "snap"}, "value of docker_source must be one of: auto, docker, distribution, got: snap"),
    ("nova.dgx.docker", {"docker_address_pools": [{"base": "172.30.0.0/33", "size": 24}]}, "docker_address_pools[0].base must be a CIDR"),
    ("nova.dgx.docker", {"docker_daemon_options": {"hosts": ["tcp://0.0.0.0:2375"]}}, "tcp://0.0.0.0:2375 would serve the Docker API"),
    ("nova.dgx.docker", {"docker_daemon_options": {"live-restore": "yes"}}, "docker_daemon_options.live-restore must be true or false"),
    ("nova.dgx.nvidia_container_toolkit", {"nvidia_container_toolkit_install": "install", "nvidia_container_toolkit_repository_key_sha256": "z" * 64,
                                           **UBUNTU_ARM},
     "nvidia_container_toolkit_repository_key_sha256 is not set"),
    ("nova.dgx.nvidia_container_toolkit", {"nvidia_container_toolkit_runtimes": ["docker", "podman"]},
     "nvidia_container_toolkit_runtimes: podman is not supported; use docker and/or containerd"),
    ("nova.dgx.nvidia_container_toolkit", {"nvidia_container_toolkit_version": "1.18"},
     "nvidia_container_toolkit_version: 1.18 is not a package version such as 1.18.0-1"),
]


@pytest.mark.parametrize(("role", "variables", "expected"), CASES)
def test_bad_input_fails_before_any_host_is_touched(run_role, role_batch, role: str, variables: dict, expected: str) -> None:
    if "ansible_facts" in variables:  # facts handed in as extra vars: an inventory variable is not a fact, so these run alone
        run_role.failed_before_any_host(run_role(role, variables), expected)
    else:
        batch = [(case, text) for name, case, text in CASES if name == role and "ansible_facts" not in case]
        role_batch(role, batch).failed_before_any_host(variables, expected)


@pytest.mark.parametrize(("role", "first_host_task"), [
    ("nova.dgx.nvidia_driver", "Read os-release, the DGX OS marker and the DMI product name"),
    ("nova.dgx.docker", "Look for an installed Docker"),
])
def test_valid_input_reaches_the_host(run_role, role: str, first_host_task: str) -> None:
    variables = {"ansible_facts": {"distribution": "Ubuntu", "distribution_version": "24.04", "architecture": "aarch64",
                                   "distribution_release": "noble"}}
    run_role.reached_the_host(run_role(role, variables), first_host_task)
