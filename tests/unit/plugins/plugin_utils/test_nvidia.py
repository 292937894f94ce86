"""NVIDIA repository paths per OS and architecture, DGX OS detection, package names, bad input."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.nova.dgx.plugins.filter.host import FilterModule as HostFilters
from ansible_collections.nova.dgx.plugins.filter.nvidia import FilterModule
from ansible_collections.nova.dgx.plugins.plugin_utils import _nvidia

FILTERS = FilterModule().filters()
HOST = HostFilters().filters()
BASE = "https://developer.download.nvidia.com/compute/cuda/repos"


@pytest.mark.parametrize(("distro", "version", "arch", "path"), [
    ("Ubuntu", "22.04", "x86_64", "ubuntu2204/x86_64"),
    ("Ubuntu", "22.04", "aarch64", "ubuntu2204/sbsa"),
    ("Ubuntu", "24.04", "x86_64", "ubuntu2404/x86_64"),
    ("Ubuntu", "24.04", "aarch64", "ubuntu2404/sbsa"),
    ("Ubuntu", "24.04", "arm64", "ubuntu2404/sbsa"),
    ("Debian", "12", "x86_64", "debian12/x86_64"),
    ("Debian", "12.7", "amd64", "debian12/x86_64"),
])
def test_cuda_repository_path(distro: str, version: str, arch: str, path: str) -> None:
    assert _nvidia.cuda_repo_path(distro, version, arch) == path
    assert FILTERS["nvidia_cuda_repo_path"](distro, version, arch) == path
    assert _nvidia.cuda_repo_url(BASE + "/", distro, version, arch) == f"{BASE}/{path}/"


def test_arm64_is_never_called_aarch64_or_arm64_in_the_cuda_repository() -> None:
    for distro, version in (("Ubuntu", "22.04"), ("Ubuntu", "24.04")):
        path = _nvidia.cuda_repo_path(distro, version, "aarch64")
        assert path.endswith("/sbsa") and "aarch64" not in path and "arm64" not in path


@pytest.mark.parametrize(("distro", "version", "arch"), [
    ("Debian", "12", "aarch64"), ("Ubuntu", "20.04", "x86_64"), ("Debian", "11", "x86_64"),
    ("Fedora", "40", "x86_64"), ("Ubuntu", "24.04", "ppc64le"),
])
def test_unsupported_platforms_are_refused_with_the_supported_list(distro: str, version: str, arch: str) -> None:
    errors = _nvidia.platform_errors(distro, version, arch)
    assert len(errors) == 1
    assert "supported: Ubuntu 22.04 x86_64, Ubuntu 22.04 aarch64, Ubuntu 24.04 x86_64" in errors[0]
    assert "Debian 12 x86_64" in errors[0]
    with pytest.raises(AnsibleFilterError, match="NVIDIA publishes no CUDA repository"):
        FILTERS["nvidia_cuda_repo_path"](distro, version, arch)


@pytest.mark.parametrize(("arch", "deb"), [("x86_64", "amd64"), ("aarch64", "arm64"), ("arm64", "arm64"), ("amd64", "amd64")])
def test_container_toolkit_architecture(arch: str, deb: str) -> None:
    assert HOST["deb_arch"](arch) == deb


def test_container_toolkit_refuses_other_architectures() -> None:
    with pytest.raises(AnsibleFilterError, match="ppc64le"):
        HOST["deb_arch"]("ppc64le")


UBUNTU_NOBLE = 'PRETTY_NAME="Ubuntu 24.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\n'
DGX_RELEASE = 'DGX_NAME="DGX Spark"\nDGX_PRETTY_NAME="NVIDIA DGX Spark"\nDGX_SWBUILD_VERSION="7.2.3"\n'


def test_dgx_os_is_recognised_by_its_release_file() -> None:
    found = FILTERS["nvidia_dgx_os"](UBUNTU_NOBLE, DGX_RELEASE)
    assert found == {"dgx_os": True, "version": "7.2.3", "name": "DGX Spark", "reason": "/etc/dgx-release is present",
                     "model": "DGX Spark", "spark": True}


def test_the_ota_version_is_preferred_and_the_serial_number_never_read() -> None:
    text = DGX_RELEASE + 'DGX_OTA_VERSION="7.3.1"\nDGX_SERIAL_NUMBER="1234567890123"\n'
    found = _nvidia.dgx_os(UBUNTU_NOBLE, text)
    assert found["version"] == "7.3.1"
    assert "1234567890123" not in repr(found)


@pytest.mark.parametrize(("product", "model", "spark"), [
    ("NVIDIA_DGX_Spark", "DGX Spark", True), ("NVIDIA DGX Spark", "DGX Spark", True), ("DGX_Spark", "DGX Spark", True),
    ("ProLiant DL380 Gen10", "", False), ("", "", False),
])
def test_the_dmi_product_name_tells_the_hardware_not_the_os(product: str, model: str, spark: bool) -> None:
    found = _nvidia.dgx_os(UBUNTU_NOBLE, "", product)
    assert (found["dgx_os"], found["model"], found["spark"]) == (False, model, spark)


def test_dgx_os_is_recognised_by_its_name_in_os_release() -> None:
    found = _nvidia.dgx_os('NAME="DGX OS"\nVERSION_ID="7.3"\n# comment\n', "")
    assert found["dgx_os"] and found["version"] == "7.3" and "NAME" in found["reason"]


@pytest.mark.parametrize("text", [UBUNTU_NOBLE, 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n', ""])
def test_plain_ubuntu_and_debian_are_not_dgx_os(text: str) -> None:
    found = _nvidia.dgx_os(text, "")
    assert found["dgx_os"] is False and "no /etc/dgx-release" in found["reason"]


@pytest.mark.parametrize(("distro", "modules", "packages"), [
    ("Ubuntu", "open", ["nvidia-driver-580-open"]),
    ("Ubuntu", "proprietary", ["nvidia-driver-580"]),
    ("Debian", "open", ["nvidia-driver-pinning-580", "nvidia-open"]),
    ("Debian", "proprietary", ["nvidia-driver-pinning-580", "cuda-drivers"]),
])
def test_driver_packages(distro: str, modules: str, packages: list[str]) -> None:
    assert FILTERS["nvidia_driver_packages"](distro, "580", modules) == packages


def test_cuda_package_name() -> None:
    assert FILTERS["nvidia_cuda_package"]("13.0") == "cuda-toolkit-13-0"
    assert FILTERS["nvidia_cuda_package"]("12.10") == "cuda-toolkit-12-10"
    with pytest.raises(AnsibleFilterError, match="X.Y"):
        FILTERS["nvidia_cuda_package"]("13")


def test_good_driver_input_has_no_errors() -> None:
    assert _nvidia.input_errors("580", "auto", "open", "auto") == []
    assert _nvidia.input_errors(580, "never", "proprietary", "install") == []


@pytest.mark.parametrize(("args", "needle"), [
    (("580.95.05",), "nvidia_driver_branch: '580.95.05' is not a driver branch number; use the branch alone, such as '580'"),
    (("latest",), "nvidia_driver_branch: 'latest'"),
    ((True,), "nvidia_driver_branch: True"),
    (("580", "always"), "nvidia_driver_reboot: 'always' is not supported; use 'auto'"),
    (("580", "never", "closed"), "nvidia_driver_kernel_modules: 'closed' is not supported"),
    (("580", "never", "open", "dgx"), "nvidia_driver_mode: 'dgx' is not supported"),
])
def test_bad_driver_input_is_named(args: tuple, needle: str) -> None:
    errors = _nvidia.input_errors(*args)
    assert len(errors) == 1 and needle in errors[0]


@pytest.mark.parametrize("version", ["13", "13.0.1", 13.0, "v13.0", ""])
def test_cuda_version_must_be_x_y(version: object) -> None:
    errors = _nvidia.cuda_version_errors(version)
    assert len(errors) == 1 and errors[0].startswith("cuda_version: ") and "X.Y form" in errors[0]


def test_os_release_parsing_keeps_values_with_equals_signs() -> None:
    assert _nvidia.parse_os_release('A="x=y"\nB=plain\n\nbroken\n') == {"A": "x=y", "B": "plain"}
