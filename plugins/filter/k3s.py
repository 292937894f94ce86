# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for nova.dgx.k3s: input checks, the node's config.yaml and registries.yaml, and the nodes as rows."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._k3s import (
    config, errors, node_rows, registries, server_plan, time_slicing, upgrade_errors)


class FilterModule:
    """nova.dgx k3s filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "k3s_errors": errors,
            "k3s_upgrade_errors": upgrade_errors,
            "k3s_server_plan": server_plan,
            "k3s_config": config,
            "k3s_registries": registries,
            "k3s_time_slicing": time_slicing,
            "k3s_node_rows": node_rows,
        }
