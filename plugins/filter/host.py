# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Facts about the host itself that several roles decide on, written once."""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleFilterError

from ansible_collections.nova.dgx.plugins.plugin_utils._platform import PlatformError
from ansible_collections.nova.dgx.plugins.plugin_utils._platform import deb_arch as _deb_arch

CONTAINER_TYPES = frozenset({"docker", "container", "podman", "lxc"})


def in_container(facts: t.Any) -> bool:
    """True when ``ansible_facts`` (virtual subset) say the host is a container guest.

    In a container the clock, the kernel and bind-mounted files belong to the machine:
    chronyd must not step the clock, /etc/hosts must be written in place.
    """
    if not isinstance(facts, t.Mapping):
        return False
    return facts.get("virtualization_role") == "guest" and facts.get("virtualization_type") in CONTAINER_TYPES


def deb_arch(arch: str) -> str:
    """Debian's name for a machine architecture: ``amd64`` for x86_64, ``arm64`` for aarch64."""
    try:
        return _deb_arch(arch)
    except PlatformError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """nova.dgx host filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"in_container": in_container, "deb_arch": deb_arch}
