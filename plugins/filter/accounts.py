# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for the nova.dgx.users role; the logic lives in plugin_utils/_accounts.py.

``users_accounts | nova.dgx.account_errors(connection_user)``: every problem in the account list,
each naming the account and the field. ``users_groups | nova.dgx.users_settings_errors(shell,
sudoers_file, device_groups)``: problems in the role's other variables.
``accounts | nova.dgx.device_group_members(group, device_groups)``: who joins a device group.
``users_control_hosts | nova.dgx.control_errors(account, home, groups, inventory_hosts, accounts)``: problems in the
control account's settings. ``slurp_results | nova.dgx.control_authorized_keys(addresses)``: the control nodes'
authorized_keys lines. ``control_hosts | nova.dgx.control_addresses(hostvars)``: the addresses each control node
connects from, by host (plugin_utils/_control_keys.py; n8n's AppRole CIDRs use the same rule).
"""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._accounts import account_errors, device_group_members, settings_errors
from ansible_collections.nova.dgx.plugins.plugin_utils._control_keys import control_addresses, control_authorized_keys, control_errors

__all__ = ["FilterModule", "account_errors", "control_addresses", "control_authorized_keys", "control_errors", "device_group_members"]


class FilterModule:
    """nova.dgx account filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"account_errors": account_errors, "device_group_members": device_group_members,
                "users_settings_errors": settings_errors, "control_errors": control_errors,
                "control_authorized_keys": control_authorized_keys, "control_addresses": control_addresses}
