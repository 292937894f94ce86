# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The input check every role's preflight uses: ``value | nova.dgx.invalid('var_name', 'kind')``."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._validate import invalid


class FilterModule:
    """nova.dgx input validation filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"invalid": invalid}
