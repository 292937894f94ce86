# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``python -m nova_dgx alerts --dry-run``: the alert rules a monitoring host would load and where each would route.

The rules are nova.dgx.prometheus's template rendered with the host's variables over the role's
defaults (and its ``prometheus_extra_rules``); the routes are nova.dgx.alertmanager's, walked as
Alertmanager walks them (first matching child route, more when ``continue``; else the default
receiver). Nothing is contacted: this reads the repository and the inventory."""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
import typing as t

import jinja2
import yaml

_MATCHER = re.compile(r'(?P<label>[a-zA-Z_][a-zA-Z0-9_]*)(?P<op>=~|!~|!=|=)"(?P<value>[^"]*)"')


class AlertsError(Exception):
    """Bad input or an unreadable inventory, said plainly."""


def host_variables(root: pathlib.Path, host: str | None) -> tuple[str, dict[str, t.Any]]:
    """The first monitoring host (or ``host``) and its inventory variables, from ansible-inventory."""
    bindir = pathlib.Path(sys.executable).parent
    env = {"ANSIBLE_CONFIG": str(root / "ansible.cfg"), "PATH": f"{bindir}:/usr/bin:/bin"}
    if host is None:
        graph = subprocess.run([str(bindir / "ansible-inventory"), "--list"], capture_output=True, text=True, check=False, cwd=root, env=env)
        if graph.returncode != 0:
            raise AlertsError(f"ansible-inventory --list failed: {graph.stderr.strip()[-300:]}")
        hosts = json.loads(graph.stdout).get("monitoring", {}).get("hosts", [])
        if not hosts:
            raise AlertsError("the inventory has no host in group monitoring; name one with --host")
        host = sorted(hosts)[0]
    shown = subprocess.run([str(bindir / "ansible-inventory"), "--host", host], capture_output=True, text=True, check=False, cwd=root, env=env)
    if shown.returncode != 0:
        raise AlertsError(f"ansible-inventory --host {host} failed: {shown.stderr.strip()[-300:]}")
    return host, json.loads(shown.stdout)


def _defaults(root: pathlib.Path, role: str) -> dict[str, t.Any]:
    return yaml.safe_load((root / "roles" / role / "defaults/main.yml").read_text()) or {}


def rules(root: pathlib.Path, variables: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    """Every alerting rule the host would load: the platform's, then prometheus_extra_rules; each with its group."""
    settings = {**_defaults(root, "prometheus"), **variables}
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(root / "roles/prometheus/templates")), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, keep_trailing_newline=True)
    try:
        text = env.get_template("rules/nova.rules.yml.j2").render(ansible_managed="Ansible managed", **settings)
    except jinja2.UndefinedError as exc:
        raise AlertsError(f"the rules need a variable the inventory does not give: {exc}") from exc
    groups = (yaml.safe_load(text) or {}).get("groups", []) + list(settings.get("prometheus_extra_rules") or [])
    return [{**rule, "group": group["name"]} for group in groups for rule in group.get("rules", []) if "alert" in rule]


def _matches(matcher: str, labels: dict[str, str]) -> bool:
    found = _MATCHER.fullmatch(matcher)
    if not found:
        raise AlertsError(f"alertmanager_routes: {matcher!r} is not a matcher such as severity=\"critical\"")
    value = labels.get(found["label"], "")
    if found["op"] == "=":
        return value == found["value"]
    if found["op"] == "!=":
        return value != found["value"]
    hit = re.fullmatch(found["value"], value) is not None
    return hit if found["op"] == "=~" else not hit


def route(labels: dict[str, str], routes: list[dict[str, t.Any]], default: str) -> list[str]:
    """The receivers an alert with these labels reaches: matching child routes in order (stopping at one without continue)."""
    reached = []
    for child in routes:
        if all(_matches(matcher, labels) for matcher in child.get("matchers", [])):
            reached.append(str(child["receiver"]))
            if not child.get("continue", False):
                break
    return reached or [default]


def dry_run(root: pathlib.Path, host: str | None = None) -> dict[str, t.Any]:
    host, variables = host_variables(root, host)
    settings = {**_defaults(root, "alertmanager"), **variables}
    routes, default = list(settings.get("alertmanager_routes") or []), str(settings.get("alertmanager_default_receiver", "none"))
    alerts = []
    for rule in rules(root, variables):
        labels = {"alertname": str(rule["alert"]), **{k: str(v) for k, v in (rule.get("labels") or {}).items()}}
        alerts.append({"alert": rule["alert"], "group": rule["group"], "severity": labels.get("severity", ""), "for": rule.get("for", "0s"),
                       "receivers": route(labels, routes, default), "runbook_url": (rule.get("annotations") or {}).get("runbook_url", "")})
    return {"host": host, "alerts": alerts, "receivers": ["none", *[str(r.get("name")) for r in settings.get("alertmanager_receivers") or []]]}


def markdown(result: dict[str, t.Any]) -> str:
    lines = [f"# Alerts of {result['host']} and where they go", "",
             "Written by `python -m nova_dgx alerts --dry-run --write` from the repository and the inventory (nothing was contacted).",
             "`none` is Alertmanager's null receiver: the alert is visible in Alertmanager and sent nowhere.", "",
             "| alert | group | severity | for | receivers | runbook |", "| --- | --- | --- | --- | --- | --- |"]
    for alert in result["alerts"]:
        runbook = f"[runbook]({alert['runbook_url']})" if alert["runbook_url"] else "**none**"
        lines.append(f"| {alert['alert']} | {alert['group']} | {alert['severity']} | {alert['for']} | {', '.join(alert['receivers'])} | {runbook} |")
    return "\n".join(lines) + "\n"
