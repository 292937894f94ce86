# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where NVIDIA's packages come from, and what a host is: the facts the GPU roles decide on.

Pure Python, no Ansible imports, unit-tested directly. NVIDIA names architectures differently
per repository: the CUDA repository calls 64-bit Arm servers ``sbsa`` (never ``aarch64`` or
``arm64``), the container-toolkit repository uses Debian's ``arm64``/``amd64``. A DGX runs
DGX OS (Ubuntu underneath), recognised by ``/etc/dgx-release`` or its name in os-release.
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._platform import DEB_ARCH, PlatformError, deb_arch, machine_arch

# (distribution id, version) -> the CUDA repository's name for it, and the machine
# architectures NVIDIA publishes that repository for.
CUDA_DISTRIBUTIONS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("ubuntu", "22.04"): ("ubuntu2204", ("x86_64", "aarch64")),
    ("ubuntu", "24.04"): ("ubuntu2404", ("x86_64", "aarch64")),
    ("debian", "12"): ("debian12", ("x86_64",)),
}
# Machine architecture (uname -m, as in ansible_facts.architecture) -> CUDA repository path.
CUDA_ARCH: dict[str, str] = {"x86_64": "x86_64", "aarch64": "sbsa"}
__all__ = ["CUDA_ARCH", "CUDA_DISTRIBUTIONS", "DEB_ARCH", "PlatformError", "cuda_package", "cuda_repo_path", "cuda_repo_url",
           "cuda_version_errors", "deb_arch", "dgx_os", "driver_packages", "input_errors", "machine_arch", "parse_os_release",
           "platform_errors", "supported_platforms"]
_SPARK = re.compile(r"DGX[ _]Spark", re.IGNORECASE)

_BRANCH = re.compile(r"^[1-9][0-9]{2,3}$")
_CUDA_VERSION = re.compile(r"^([1-9][0-9]?)\.([0-9]{1,2})$")


def supported_platforms() -> list[str]:
    return [f"{distro.capitalize()} {version} {arch}" for (distro, version), (_name, arches) in CUDA_DISTRIBUTIONS.items()
            for arch in arches]


def _version_key(distribution: str, version: str) -> tuple[str, str]:
    distro = str(distribution).strip().lower()
    text = str(version).strip()
    # Debian reports 12.x as its major version in facts; Ubuntu's versions keep their point.
    if distro == "debian":
        text = text.split(".", 1)[0]
    return distro, text


def cuda_repo_path(distribution: str, version: str, arch: str) -> str:
    """``ubuntu2404/sbsa`` for Ubuntu 24.04 on aarch64; PlatformError for what NVIDIA does not publish."""
    key = _version_key(distribution, version)
    machine = machine_arch(arch)
    entry = CUDA_DISTRIBUTIONS.get(key)
    if entry is None or machine not in entry[1]:
        raise PlatformError(
            f"NVIDIA publishes no CUDA repository for {key[0]} {key[1]} on {machine}; supported: "
            + ", ".join(supported_platforms()))
    return f"{entry[0]}/{CUDA_ARCH[machine]}"


def cuda_repo_url(base: str, distribution: str, version: str, arch: str) -> str:
    return f"{str(base).rstrip('/')}/{cuda_repo_path(distribution, version, arch)}/"


def platform_errors(distribution: str, version: str, arch: str) -> list[str]:
    try:
        cuda_repo_path(distribution, version, arch)
    except PlatformError as exc:
        return [str(exc)]
    return []


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value lines of /etc/os-release (or /etc/dgx-release), quotes removed."""
    result: dict[str, str] = {}
    for line in str(text or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        result[key.strip()] = value
    return result


def dgx_os(os_release: str, dgx_release: str = "", product_name: str = "") -> dict[str, t.Any]:
    """What DGX a host is and whether it runs DGX OS, from os-release, /etc/dgx-release and the DMI product name.

    DGX OS 6/7 keep Ubuntu's os-release and add /etc/dgx-release (``DGX_NAME``, ``DGX_OTA_VERSION``,
    ``DGX_SWBUILD_VERSION`` ...); some builds name DGX in os-release itself. The version is the OTA
    version where there is one. The DMI product name (``NVIDIA_DGX_Spark`` on some units) tells the
    hardware, not the OS: a Spark reinstalled with plain Ubuntu is a Spark without DGX OS. The
    serial number in /etc/dgx-release is never read into the result.
    """
    release = parse_os_release(os_release)
    marker = parse_os_release(dgx_release)
    product = " ".join(str(product_name or "").split())
    model = marker.get("DGX_NAME") or (product.replace("_", " ").removeprefix("NVIDIA ") if "DGX" in product.upper() else "")
    found: dict[str, t.Any] = {"dgx_os": False, "version": "", "name": release.get("PRETTY_NAME", release.get("NAME", "")),
                               "reason": "no /etc/dgx-release and os-release does not name DGX"}
    if marker:
        version = marker.get("DGX_OTA_VERSION") or marker.get("DGX_SWBUILD_VERSION") or marker.get("DGX_OS_VERSION", "")
        found = {"dgx_os": True, "version": version, "name": marker.get("DGX_NAME", "DGX OS"), "reason": "/etc/dgx-release is present"}
    else:
        for key in ("NAME", "PRETTY_NAME", "VARIANT", "VARIANT_ID"):
            if "dgx" in release.get(key, "").lower():
                found = {"dgx_os": True, "version": release.get("VERSION_ID", ""), "name": release.get(key, ""),
                         "reason": f"os-release {key} names DGX"}
                break
    return {**found, "model": model, "spark": bool(_SPARK.search(model) or _SPARK.search(product))}


def driver_packages(distribution: str, branch: str, kernel_modules: str) -> list[str]:
    """The packages that install driver ``branch`` from NVIDIA's CUDA repository.

    Ubuntu: the per-branch metapackages (``nvidia-driver-580-open``, the names DGX OS uses).
    Debian: the branch pinning package plus ``nvidia-open`` or ``cuda-drivers``.
    """
    distro = str(distribution).strip().lower()
    if distro == "ubuntu":
        return [f"nvidia-driver-{branch}-open" if kernel_modules == "open" else f"nvidia-driver-{branch}"]
    return [f"nvidia-driver-pinning-{branch}", "nvidia-open" if kernel_modules == "open" else "cuda-drivers"]


def cuda_package(version: str) -> str:
    """``cuda-toolkit-13-0`` for ``13.0``."""
    match = _CUDA_VERSION.match(str(version).strip())
    if match is None:
        raise ValueError(f"CUDA version {version!r} is not in X.Y form")
    return f"cuda-toolkit-{match[1]}-{match[2]}"


def input_errors(branch: object, reboot: object = "never", kernel_modules: object = "open",
                 mode: object = "auto") -> list[str]:
    """nvidia_driver's own variables, each error naming the variable and what is accepted."""
    errors = []
    if not isinstance(branch, (str, int)) or isinstance(branch, bool) or not _BRANCH.match(str(branch)):
        errors.append(f"nvidia_driver_branch: {branch!r} is not a driver branch number; use the branch alone, such as '580'")
    if reboot not in ("auto", "never"):
        errors.append(f"nvidia_driver_reboot: {reboot!r} is not supported; use 'auto' (reboot when the driver changed) or 'never'")
    if kernel_modules not in ("open", "proprietary"):
        errors.append(f"nvidia_driver_kernel_modules: {kernel_modules!r} is not supported; use 'open' or 'proprietary'")
    if mode not in ("auto", "keep", "install"):
        errors.append(f"nvidia_driver_mode: {mode!r} is not supported; use 'auto', 'keep' (what the OS ships) or 'install'")
    return errors


def cuda_version_errors(version: object, name: str = "cuda_version") -> list[str]:
    if not isinstance(version, str) or not _CUDA_VERSION.match(version.strip()):
        return [f"{name}: {version!r} is not a CUDA version in X.Y form; write it as a quoted string such as '13.0'"]
    return []
