# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Machine and Debian architecture names: one mapping for every role (base, docker, the GPU roles)."""

from __future__ import annotations

__all__ = ["DEB_ARCH", "PlatformError", "deb_arch", "machine_arch"]

# Machine architecture (uname -m, as in ansible_facts.architecture) -> Debian architecture (dpkg, apt).
DEB_ARCH: dict[str, str] = {"x86_64": "amd64", "aarch64": "arm64"}
_ARCH_ALIASES: dict[str, str] = {"amd64": "x86_64", "arm64": "aarch64", "sbsa": "aarch64"}


class PlatformError(ValueError):
    """An OS/architecture the collection does not support; the message lists what is supported."""


def machine_arch(arch: str) -> str:
    """uname -m spelling of ``arch`` (accepts amd64/arm64/sbsa too)."""
    value = str(arch).strip().lower()
    return _ARCH_ALIASES.get(value, value)


def deb_arch(arch: str) -> str:
    """``arm64`` for aarch64, ``amd64`` for x86_64 (Debian's names: dpkg, Docker's and NVIDIA's toolkit repositories)."""
    machine = machine_arch(arch)
    if machine not in DEB_ARCH:
        raise PlatformError(f"architecture {arch} is not supported; supported: {', '.join(sorted(DEB_ARCH))}")
    return DEB_ARCH[machine]
