# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for the GPU roles: NVIDIA repository paths per OS and architecture, DGX OS detection.

The logic lives in plugin_utils/_nvidia.py; these wrappers turn its errors into filter errors.
"""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleFilterError

from ansible_collections.nova.dgx.plugins.plugin_utils import _nvidia


def _repo_path(distribution: str, version: str, arch: str) -> str:
    try:
        return _nvidia.cuda_repo_path(distribution, version, arch)
    except _nvidia.PlatformError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def _cuda_package(version: str) -> str:
    try:
        return _nvidia.cuda_package(version)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """nova.dgx NVIDIA filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "nvidia_cuda_repo_path": _repo_path,
            "nvidia_platform_errors": _nvidia.platform_errors,
            "nvidia_dgx_os": _nvidia.dgx_os,
            "nvidia_driver_packages": _nvidia.driver_packages,
            "nvidia_cuda_package": _cuda_package,
            "nvidia_driver_input_errors": _nvidia.input_errors,
            "nvidia_cuda_version_errors": _nvidia.cuda_version_errors,
        }
