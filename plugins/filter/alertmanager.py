# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for nova.dgx.alertmanager: receivers, the credentials they read, and input checks."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._alertmanager import receivers, routing_errors, secret_file, secret_refs


class FilterModule:
    """nova.dgx Alertmanager filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "alertmanager_receivers": receivers,
            "alertmanager_routing_errors": routing_errors,
            "alertmanager_secret_refs": secret_refs,
            "alertmanager_secret_file": secret_file,
        }
