# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for the base role's artifact entry point (roles/base/tasks/artifact.yml)."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._artifact import artifact_cache_name, artifact_errors, artifact_source


class FilterModule:
    """nova.dgx artifact filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"artifact_errors": artifact_errors, "artifact_source": artifact_source, "artifact_cache_name": artifact_cache_name}
