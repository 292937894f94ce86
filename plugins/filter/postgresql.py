# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for nova.dgx.postgresql: input checks and the memory settings derived from the host."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._postgresql import (
    database_errors, grant_errors, hba_errors, memory_settings, role_errors, settings_errors)


class FilterModule:
    """nova.dgx PostgreSQL filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "postgresql_role_errors": role_errors,
            "postgresql_database_errors": database_errors,
            "postgresql_grant_errors": grant_errors,
            "postgresql_hba_errors": hba_errors,
            "postgresql_settings_errors": settings_errors,
            "postgresql_memory_settings": memory_settings,
        }
