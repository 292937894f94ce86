# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for the base role's apt repository mechanism."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._apt import apt_source, mirrored_uri, repository_errors


class FilterModule:
    """nova.dgx apt filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"apt_repository_errors": repository_errors, "apt_source": apt_source, "mirrored_uri": mirrored_uri}
