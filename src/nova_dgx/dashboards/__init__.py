# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova.dgx's Grafana dashboards, as code (grafana-foundation-sdk): one module per dashboard.

The JSON files in roles/grafana/files/dashboards are generated from here
(``python -m nova_dgx dashboards --write roles/grafana/files/dashboards``), never edited by hand;
``--check`` fails on one that differs. docs/dashboards.md.
"""

from __future__ import annotations

import re
import typing as t

from nova_dgx import promql
from nova_dgx.dashboards import containers, databases, gpu, hosts, vault, wireguard

Dashboard: t.TypeAlias = dict[str, t.Any]

DASHBOARDS: dict[str, t.Callable[[], Dashboard]] = {
    hosts.UID: hosts.build,
    gpu.UID: gpu.build,
    containers.UID: containers.build,
    databases.UID: databases.build,
    vault.UID: vault.build,
    wireguard.UID: wireguard.build,
}

_VARIABLE_REFERENCE = re.compile(r"^\$(\{[^}]+\}|\w+)$")
# Grafana's Prometheus variable functions: label_values(selector, label), query_result(expr).
_LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(.*?)\s*,\s*[A-Za-z_]\w*\s*\)\s*$", re.DOTALL)
_QUERY_RESULT = re.compile(r"^\s*query_result\(\s*(.*)\s*\)\s*$", re.DOTALL)


def build_all() -> dict[str, Dashboard]:
    """uid -> dashboard JSON model, for every dashboard."""
    return {uid: build() for uid, build in DASHBOARDS.items()}


def panels(dashboard: Dashboard) -> list[dict[str, t.Any]]:
    """Every panel, rows included, with the panels collapsed rows hold (depth first, in order)."""
    found: list[dict[str, t.Any]] = []

    def walk(items: list[dict[str, t.Any]]) -> None:
        for panel in items:
            found.append(panel)
            walk(panel.get("panels") or [])

    walk(dashboard.get("panels") or [])
    return found


def panel_queries(dashboard: Dashboard) -> list[tuple[str, str]]:
    """(panel title, expr) of every query of every panel, nested rows walked."""
    return [(panel.get("title", ""), target.get("expr", ""))
            for panel in panels(dashboard) for target in panel.get("targets") or [] if "expr" in target]


def variable_queries(dashboard: Dashboard) -> list[tuple[str, str]]:
    """(variable name, PromQL) of each query variable: label_values' selector, query_result's expression."""
    found = []
    for variable in (dashboard.get("templating") or {}).get("list") or []:
        query = variable.get("query")
        if variable.get("type") != "query":
            continue
        if isinstance(query, dict):
            query = query.get("query", "")
        match = _LABEL_VALUES.match(query or "") or _QUERY_RESULT.match(query or "")
        if match and match.group(1):
            found.append((variable.get("name", ""), match.group(1)))
    return found


def metrics(dashboard: Dashboard) -> set[str]:
    """The metric names the dashboard's panels and query variables read."""
    names: set[str] = set()
    for _title, expr in panel_queries(dashboard) + variable_queries(dashboard):
        names |= promql.metric_names(expr)
    return names


def datasource_uids(dashboard: Dashboard) -> set[str]:
    """Each datasource uid the dashboard names outright (not a ${variable}), and each datasource variable's current value."""
    uids: set[str] = set()

    def walk(node: t.Any) -> None:
        if isinstance(node, dict):
            source = node.get("datasource")
            if isinstance(source, dict):
                source = source.get("uid")
            if isinstance(source, str) and source and not _VARIABLE_REFERENCE.match(source):  # a string: the old by-name form
                uids.add(source)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(dashboard)
    for variable in (dashboard.get("templating") or {}).get("list") or []:
        if variable.get("type") == "datasource":
            current = (variable.get("current") or {}).get("value")
            for value in current if isinstance(current, list) else [current]:
                if isinstance(value, str) and value and not _VARIABLE_REFERENCE.match(value):
                    uids.add(value)
    return uids
