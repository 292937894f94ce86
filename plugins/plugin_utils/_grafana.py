# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks of nova.dgx.grafana's input: provisioned datasources and the dashboards that refer to them (private)."""

from __future__ import annotations

import json
import pathlib
import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._validate import shown

__all__ = ["dashboard_errors", "datasource_errors", "datasource_refs"]

_UID = re.compile(r"[a-zA-Z0-9_-]{1,40}")
_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
_SECRET_KEYS = ("secureJsonData", "basicAuthPassword", "password")
_VARIABLE = re.compile(r"^\$\{?[A-Za-z0-9_]+")


def datasource_errors(datasources: object) -> list[str]:
    """Problems with grafana_datasources, each naming the entry, the field and the fix."""
    if not isinstance(datasources, list) or not datasources:
        return [f"grafana_datasources must be a non-empty list of {{name, uid, type, url}}, got {shown(datasources)}"]
    problems: list[str] = []
    seen_names: set[str] = set()
    seen_uids: set[str] = set()
    defaults: list[str] = []
    for index, entry in enumerate(datasources):
        where = f"grafana_datasources[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be a mapping with name, uid, type and url, got {shown(entry)}")
            continue
        name, uid, kind, url = entry.get("name"), entry.get("uid"), entry.get("type"), entry.get("url")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where}.name must be a non-empty name, got {shown(name)}")
        elif name in seen_names:
            problems.append(f"{where}.name {name!r} is given twice: names are unique")
        else:
            seen_names.add(name)
        if not isinstance(uid, str) or not _UID.fullmatch(uid):
            problems.append(f"{where}.uid must be 1-40 letters, digits, - or _ (dashboards refer to it), got {shown(uid)}")
        elif uid in seen_uids:
            problems.append(f"{where}.uid {uid!r} is given twice: uids are unique")
        else:
            seen_uids.add(uid)
        if not isinstance(kind, str) or not re.fullmatch(r"[a-z0-9-]+", kind):
            problems.append(f"{where}.type must be a datasource plugin id such as prometheus, got {shown(kind)}")
        if not isinstance(url, str) or not _URL.fullmatch(url):
            problems.append(f"{where}.url must be an http:// or https:// URL such as http://10.99.0.12:9090, got {shown(url)}")
        if entry.get("default", False) not in (True, False):
            problems.append(f"{where}.default must be true or false, got {shown(entry.get('default'))}")
        elif entry.get("default"):
            defaults.append(str(name))
        secret = sorted(key for key in _SECRET_KEYS if key in entry or key in (entry.get("jsonData") or {}))
        if secret:
            problems.append(f"{where} carries credentials ({', '.join(secret)}): datasource credentials come from the secrets"
                            " server, never from variables")
        unknown = sorted(set(entry) - {"name", "uid", "type", "url", "default", "jsonData"})
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(unknown)}; a datasource has name, uid, type, url, default, jsonData")
    if len(defaults) > 1:
        problems.append(f"grafana_datasources: {', '.join(defaults)} are all default: Grafana allows one default datasource")
    return problems


def _walk(node: object, found: list[tuple[str, str]], where: str) -> None:
    """Collect (where, uid) for every datasource reference under node that is not a variable."""
    if isinstance(node, dict):
        source = node.get("datasource")
        if isinstance(source, dict) and isinstance(source.get("uid"), str) and not _VARIABLE.match(source["uid"]):
            found.append((where + (f" panel {node.get('title')!r}" if node.get("title") else ""), source["uid"]))
        elif isinstance(source, str) and source and not _VARIABLE.match(source) and source not in ("-- Grafana --", "-- Mixed --"):
            found.append((where + (f" panel {node.get('title')!r}" if node.get("title") else ""), source))
        for key, value in node.items():
            if key != "datasource":
                _walk(value, found, where)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found, where)


def datasource_refs(dashboard: dict[str, t.Any]) -> list[tuple[str, str]]:
    """Where and which datasource uid a dashboard names: panels and targets (not ${variable} references) and the
    current value of each datasource variable."""
    found: list[tuple[str, str]] = []
    _walk(dashboard.get("panels", []), found, "")
    for variable in (dashboard.get("templating") or {}).get("list", []):
        if not isinstance(variable, dict):
            continue
        name = variable.get("name")
        if variable.get("type") == "datasource":
            current = (variable.get("current") or {}).get("value")
            if isinstance(current, str) and current and not _VARIABLE.match(current) and current != "default":
                found.append((f" variable {name!r}", current))
        else:
            _walk({"datasource": variable.get("datasource")}, found, f" variable {name!r}")
    return found


def dashboard_errors(paths: list[str], datasources: list[dict[str, t.Any]]) -> list[str]:
    """Problems with the dashboard files Grafana will be given: JSON, uid and title, unique uids, and every datasource
    they name provisioned. Read on the controller, before any host changes."""
    uids = {entry.get("uid") for entry in datasources if isinstance(entry, dict)}
    names = {entry.get("name"): entry.get("uid") for entry in datasources if isinstance(entry, dict)}
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in paths:
        file = pathlib.Path(path)
        try:
            dashboard = json.loads(file.read_text())
        except (OSError, ValueError) as error:
            problems.append(f"dashboard {path}: cannot be read as JSON ({error})")
            continue
        if not isinstance(dashboard, dict) or not isinstance(dashboard.get("uid"), str) or not isinstance(dashboard.get("title"), str):
            problems.append(f"dashboard {path}: needs a uid and a title (provisioning keys dashboards by uid)")
            continue
        uid = dashboard["uid"]
        if uid in seen:
            problems.append(f"dashboard {path}: uid {uid!r} is also {seen[uid]}'s; Grafana would load only one of them")
        seen[uid] = file.name
        for where, ref in datasource_refs(dashboard):
            if ref in uids:
                continue
            hint = f" (that is the name of datasource uid {names[ref]!r}: refer to the uid)" if ref in names else ""
            problems.append(f"dashboard {file.name}{where} names datasource {ref!r}, which grafana_datasources does not provision{hint};"
                            f" add it to grafana_datasources or use one of {', '.join(sorted(str(u) for u in uids))}")
    return problems
