# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for nova.dgx.firewall and the roles that open ports through it."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._nft import address_in, nft_statements, rule_errors, rules_errors
from ansible_collections.nova.dgx.plugins.plugin_utils._sockets import exposed_listener, open_ports, unexpected_listeners


class FilterModule:
    """nova.dgx firewall filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "firewall_rule_errors": rule_errors,
            "firewall_rules_errors": rules_errors,
            "nft_statements": nft_statements,
            "address_in": address_in,
            "exposed_listener": exposed_listener,
            "nft_open_ports": open_ports,
            "unexpected_listeners": unexpected_listeners,
        }
