# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for nova.dgx.wireguard: the fleet's overlay members and each host's peers.

Documented for ansible-doc in wireguard_members.yml and wireguard_peers.yml.
"""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._wireguard import fleet_members, input_errors, peers, preshared_key


class FilterModule:
    """nova.dgx WireGuard filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"wireguard_members": fleet_members, "wireguard_peers": peers, "wireguard_input_errors": input_errors,
                "wireguard_psk": preshared_key}
