"""nova.dgx.nvidia_container_toolkit against stand-in packages on real Docker (docs/testing.md)."""

from __future__ import annotations

import json
import os

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")
PACKAGES = ("nvidia-container-toolkit", "nvidia-container-toolkit-base", "libnvidia-container-tools", "libnvidia-container1")


def test_the_repository_uses_debian_architecture_names(host) -> None:
    sources = host.file("/etc/apt/sources.list.d/nova-nvidia-container-toolkit.sources").content_string
    assert "URIs: file:/srv/nova-mirror/libnvidia-container/stable/deb/amd64" in sources


def test_the_pinned_packages_are_installed_and_held(host) -> None:
    for name in PACKAGES:
        assert host.package(name).version == "1.18.0-1", name
        assert host.check_output(f"dpkg --get-selections {name}").split()[1] == "hold", name


def test_docker_has_the_nvidia_runtime_and_keeps_our_settings(host) -> None:
    config = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert config["runtimes"]["nvidia"]["path"] == "nvidia-container-runtime"
    assert config["live-restore"] is True and config["storage-driver"] == "vfs"
    with host.sudo():
        assert "nvidia" in json.loads(host.check_output("docker info --format '{{json .Runtimes}}'"))


def test_a_container_runs_through_the_nvidia_runtime(host) -> None:
    with host.sudo():
        out = host.check_output("docker run --rm --network none --runtime=nvidia nova-dgx/verify:1 /bin/sh -c 'echo via-nvidia'")
    assert out == "via-nvidia"


def test_no_cdi_spec_without_a_gpu(host) -> None:
    assert not host.file("/etc/cdi/nvidia.yaml").exists
