# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for the exporter roles (nova.dgx.dcgm_exporter): input checks and the collectors list."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._dcgm import field_errors, fields_for


class FilterModule:
    """nova.dgx exporter filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "dcgm_field_errors": field_errors,
            "dcgm_fields_for": fields_for,
        }
