# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Alertmanager's receivers and routes from nova.dgx.alertmanager's variables, and their checks (private)."""

from __future__ import annotations

import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._prometheus import duration_seconds
from ansible_collections.nova.dgx.plugins.plugin_utils._validate import shown

__all__ = ["receivers", "routing_errors", "secret_file", "secret_refs"]

_NAME = re.compile(r"[a-z][a-z0-9_-]{0,62}")
_SECRET = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
_MATCHER = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*(=|!=|=~|!~)"[^"\n]*"')
_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
_KINDS = {"webhook": {"url", "token_secret"}, "slack": {"url_secret", "channel"}}


def _secret_path(value: object) -> bool:
    return isinstance(value, str) and bool(_SECRET.fullmatch(value)) and not {".", ".."} & set(value.split("/"))


def _receiver_errors(index: int, receiver: object) -> list[str]:
    where = f"alertmanager_receivers[{index}]"
    if not isinstance(receiver, dict):
        return [f"{where} must be a mapping such as {{name: ops, webhook: {{url: https://hooks.example/alerts}}}}, got {shown(receiver)}"]
    problems = []
    if not isinstance(receiver.get("name"), str) or not _NAME.fullmatch(receiver["name"]):
        problems.append(f"{where}.name must be a lower-case name (letters, digits, _ -), got {shown(receiver.get('name'))}")
    kinds = [kind for kind in _KINDS if kind in receiver]
    unknown = sorted(set(receiver) - {"name", *_KINDS})
    if unknown or len(kinds) != 1:
        problems.append(f"{where} needs exactly one of webhook or slack (and a name), got keys {', '.join(sorted(receiver))}")
        return problems
    kind = kinds[0]
    settings = receiver[kind]
    if not isinstance(settings, dict) or set(settings) - _KINDS[kind]:
        problems.append(f"{where}.{kind} takes {', '.join(sorted(_KINDS[kind]))}, got {shown(settings)}")
        return problems
    if kind == "webhook":
        url = settings.get("url")
        if not isinstance(url, str) or not _URL.fullmatch(url):
            problems.append(f"{where}.webhook.url must be an http(s) URL such as https://hooks.example/alerts, got {shown(url)}")
        elif re.match(r"https?://[^/@\s]+@", url) or re.search(r"[?&](token|key|secret|password)=", url, re.I):
            problems.append(f"{where}.webhook.url carries a credential: put it in the secrets server and name it in token_secret")
        if "token_secret" in settings and not _secret_path(settings["token_secret"]):
            problems.append(f"{where}.webhook.token_secret must be a secret path such as alertmanager/{receiver['name']}, got"
                            f" {shown(settings['token_secret'])}")
    else:
        if not _secret_path(settings.get("url_secret")):
            problems.append(f"{where}.slack.url_secret must name the secret holding the Slack webhook URL, such as alertmanager/slack,"
                            f" got {shown(settings.get('url_secret'))}")
        if "channel" in settings and (not isinstance(settings["channel"], str) or not re.fullmatch(r"[#@][\w.-]{1,80}", settings["channel"])):
            problems.append(f"{where}.slack.channel must be a channel such as #platform-alerts, got {shown(settings['channel'])}")
    return problems


def routing_errors(receivers_value: object, routes: object, default_receiver: object, timings: dict[str, object]) -> list[str]:
    """Problems with the receivers, the routes and the root route's settings, naming the variable and the fix."""
    if not isinstance(receivers_value, list):
        return [f"alertmanager_receivers must be a list, got {shown(receivers_value)}"]
    problems = [problem for index, receiver in enumerate(receivers_value) for problem in _receiver_errors(index, receiver)]
    names = [r.get("name") for r in receivers_value if isinstance(r, dict)]
    problems += [f"alertmanager_receivers lists {name} twice" for name in sorted({n for n in names if names.count(n) > 1 and n})]
    known = set(names) | {"none"}
    if default_receiver not in known:
        problems.append(f"alertmanager_default_receiver {default_receiver!r} is not in alertmanager_receivers (or none)")
    if not isinstance(routes, list):
        problems.append(f"alertmanager_routes must be a list of routes, got {shown(routes)}")
        routes = []
    for index, route in enumerate(routes):
        where = f"alertmanager_routes[{index}]"
        if not isinstance(route, dict) or set(route) - {"receiver", "matchers", "continue", "group_by", "repeat_interval"}:
            problems.append(f"{where} must be {{receiver, matchers, continue, group_by, repeat_interval}}, got {shown(route)}")
            continue
        if route.get("receiver") not in known:
            problems.append(f"{where}.receiver {route.get('receiver')!r} is not in alertmanager_receivers")
        matchers = route.get("matchers", [])
        if not isinstance(matchers, list) or not matchers:
            problems.append(f"{where}.matchers must be a non-empty list such as ['severity=\"critical\"'], got {shown(matchers)}")
        else:
            problems += [f"{where}.matchers[{i}] must be label=\"value\" (or !=, =~, !~), got {shown(m)}"
                         for i, m in enumerate(matchers) if not isinstance(m, str) or not _MATCHER.fullmatch(m)]
    for name, value in timings.items():
        if not duration_seconds(value):
            problems.append(f"{name} must be a duration such as 30s, 5m or 4h, got {shown(value)}")
    return problems


def secret_refs(receivers_value: list[dict[str, t.Any]]) -> list[dict[str, str]]:
    """The credentials to read from the secrets server: one {file, path} per receiver that has one."""
    refs = []
    for receiver in receivers_value:
        if "webhook" in receiver and receiver["webhook"].get("token_secret"):
            refs.append({"file": f"{receiver['name']}.token", "path": receiver["webhook"]["token_secret"]})
        if "slack" in receiver:
            refs.append({"file": f"{receiver['name']}.slack-url", "path": receiver["slack"]["url_secret"]})
    return refs


def receivers(receivers_value: list[dict[str, t.Any]], secrets_dir: str) -> list[dict[str, t.Any]]:
    """Alertmanager's receivers: credentials by file, resolved alerts sent too, and the null receiver `none`."""
    result: list[dict[str, t.Any]] = [{"name": "none"}]
    for receiver in receivers_value:
        name = receiver["name"]
        if "webhook" in receiver:
            config: dict[str, t.Any] = {"url": receiver["webhook"]["url"], "send_resolved": True}
            if receiver["webhook"].get("token_secret"):
                config["http_config"] = {"authorization": {"type": "Bearer", "credentials_file": f"{secrets_dir}/{name}.token"}}
            result.append({"name": name, "webhook_configs": [config]})
        else:
            slack: dict[str, t.Any] = {"api_url_file": f"{secrets_dir}/{name}.slack-url", "send_resolved": True,
                                       "title": '{{ .CommonLabels.alertname }} ({{ .Status }})',
                                       "text": '{{ range .Alerts }}{{ .Annotations.summary }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}'}
            if receiver["slack"].get("channel"):
                slack["channel"] = receiver["slack"]["channel"]
            result.append({"name": name, "slack_configs": [slack]})
    return result


def secret_file(result: dict[str, t.Any], secrets_dir: str, group: str) -> dict[str, t.Any]:
    """A nova.dgx.files entry for one credential read by a looped nova.dgx.secret task (its item is a secret_refs entry)."""
    return {"path": f"{secrets_dir}/{result['item']['file']}", "content": str(result["secret"]).strip(), "owner": "root",
            "group": group, "mode": "0640"}
