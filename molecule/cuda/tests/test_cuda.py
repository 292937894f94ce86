"""nova.dgx.cuda: the pinned toolkit from the stand-in repository, held, on every login's PATH."""

from __future__ import annotations

import os

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")


def test_the_pinned_toolkit_is_installed_and_held(host) -> None:
    assert host.package("cuda-toolkit-13-0").is_installed
    assert host.check_output("dpkg --get-selections cuda-toolkit-13-0").split()[1] == "hold"


def test_a_login_shell_finds_nvcc_of_the_pinned_version(host) -> None:
    out = host.check_output("su - ansible -c 'command -v nvcc; nvcc --version'")
    assert "/usr/local/cuda-13.0/bin/nvcc" in out and "release 13.0, V13.0.88" in out
    assert "CUDA_HOME=/usr/local/cuda-13.0" in host.check_output("su - ansible -c env")


def test_a_second_login_does_not_repeat_the_path(host) -> None:
    path = host.check_output("su - ansible -c 'bash -lc \". /etc/profile; echo $PATH\"'")
    assert path.count("/usr/local/cuda-13.0/bin") == 1


def test_the_linker_knows_the_library_directory(host) -> None:
    assert host.file("/etc/ld.so.conf.d/nova-cuda.conf").content_string.strip().endswith("/usr/local/cuda-13.0/lib64")
