# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for nova.dgx.grafana: input checks of datasources and dashboards."""

from __future__ import annotations

import json
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._grafana import dashboard_errors, datasource_errors


def _dashboard_file(source: str, directory: str, group: str) -> dict[str, str]:
    """The nova.dgx.files entry that provisions one dashboard file: root's, readable by Grafana's group."""
    return {"path": f"{directory}/{source.rsplit('/', 1)[-1]}", "src": source, "owner": "root", "group": group, "mode": "0640"}


def _dashboard_uid(source: str) -> str:
    """A dashboard file's uid (read on the controller)."""
    with open(source, encoding="utf-8") as handle:
        return str(json.load(handle).get("uid", ""))


class FilterModule:
    """nova.dgx Grafana filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "grafana_datasource_errors": datasource_errors,
            "grafana_dashboard_errors": dashboard_errors,
            "grafana_dashboard_file": _dashboard_file,
            "grafana_dashboard_uid": _dashboard_uid,
        }
