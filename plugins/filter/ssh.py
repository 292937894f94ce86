# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for nova.dgx.ssh_hardening."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._ssh_algorithms import algorithm_errors


class FilterModule:
    """nova.dgx SSH filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"ssh_algorithm_errors": algorithm_errors}
