# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for base's packages entry point: the dpkg state read once a run (see _packages.py)."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._packages import dpkg_status, packages_hold_state, packages_missing


class FilterModule:
    """nova.dgx package filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"dpkg_status": dpkg_status, "packages_missing": packages_missing, "packages_hold_state": packages_hold_state}
