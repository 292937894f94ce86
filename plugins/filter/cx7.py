# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for nova.dgx.cx7_link: the pair's input checks, the link plan, the files and the verify rows.

The logic and its documentation live in plugins/plugin_utils/_cx7.py.
"""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._cx7 import (
    authorized_key, checks, drift, env_file, input_errors, known_hosts, netplan, peer_keys, plan, ports_ready, ssh_config, targets,
)


class FilterModule:
    """nova.dgx ConnectX-7 link filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "cx7_link_errors": input_errors,
            "cx7_link_plan": plan,
            "cx7_link_netplan": netplan,
            "cx7_link_env": env_file,
            "cx7_link_peer_keys": peer_keys,
            "cx7_link_authorized_key": authorized_key,
            "cx7_link_known_hosts": known_hosts,
            "cx7_link_ssh_config": ssh_config,
            "cx7_link_drift": drift,
            "cx7_link_ready": ports_ready,
            "cx7_link_targets": targets,
            "cx7_link_checks": checks,
        }
