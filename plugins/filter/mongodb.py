# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for nova.dgx.mongodb: input checks."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._mongodb import login_users, settings_errors, user_errors


class FilterModule:
    """nova.dgx MongoDB filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "mongodb_user_errors": user_errors,
            "mongodb_settings_errors": settings_errors,
            "mongodb_login_users": login_users,
        }
