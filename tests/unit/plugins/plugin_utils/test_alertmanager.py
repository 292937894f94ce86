"""Alertmanager's receivers and routes from nova.dgx.alertmanager's variables (plugin_utils/_alertmanager.py)."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._alertmanager import receivers, routing_errors, secret_file, secret_refs

TIMINGS = {"alertmanager_group_wait": "30s", "alertmanager_repeat_interval": "4h"}
GOOD = [{"name": "ops", "webhook": {"url": "https://hooks.example/alerts", "token_secret": "alertmanager/ops"}},
        {"name": "chat", "slack": {"url_secret": "alertmanager/slack", "channel": "#platform-alerts"}}]


def test_valid_receivers_and_routes_have_no_problems() -> None:
    assert routing_errors(GOOD, [{"receiver": "chat", "matchers": ['severity="critical"'], "continue": True}], "ops", TIMINGS) == []


@pytest.mark.parametrize(("receivers_value", "routes", "default", "expected"), [
    ([{"name": "ops", "webhook": {}}], [], "ops", "alertmanager_receivers[0].webhook.url must be an http(s) URL"),
    ([{"name": "ops", "webhook": {"url": "https://user:pw@hooks.example/x"}}], [], "ops", "webhook.url carries a credential"),
    ([{"name": "ops", "webhook": {"url": "https://hooks.example/x?token=abc"}}], [], "ops", "webhook.url carries a credential"),
    ([{"name": "ops", "webhook": {"url": "https://h/x"}, "slack": {"url_secret": "a/b"}}], [], "ops", "needs exactly one of webhook or slack"),
    ([{"name": "chat", "slack": {"url_secret": "../x"}}], [], "none", "slack.url_secret must name the secret"),
    ([{"name": "chat", "slack": {"url_secret": "a/b", "channel": "general"}}], [], "none", "slack.channel must be a channel"),
    ([{"name": "Ops Team", "webhook": {"url": "https://h/x"}}], [], "none", "alertmanager_receivers[0].name must be a lower-case name"),
    (GOOD + [GOOD[0]], [], "ops", "alertmanager_receivers lists ops twice"),
    (GOOD, [], "pager", "alertmanager_default_receiver 'pager' is not in alertmanager_receivers"),
    (GOOD, [{"receiver": "pager", "matchers": ['severity="critical"']}], "ops", "alertmanager_routes[0].receiver 'pager' is not in"),
    (GOOD, [{"receiver": "ops", "matchers": ["severity=critical"]}], "ops", "alertmanager_routes[0].matchers[0] must be label=\"value\""),
    (GOOD, [{"receiver": "ops"}], "ops", "alertmanager_routes[0].matchers must be a non-empty list"),
])
def test_problems_name_the_field(receivers_value: object, routes: object, default: str, expected: str) -> None:
    problems = routing_errors(receivers_value, routes, default, TIMINGS)
    assert any(expected in problem for problem in problems), problems


def test_a_bad_duration_is_named() -> None:
    assert routing_errors([], [], "none", {"alertmanager_repeat_interval": "daily"}) == [
        "alertmanager_repeat_interval must be a duration such as 30s, 5m or 4h, got str 'daily'"]


def test_credentials_are_files_and_a_null_receiver_always_exists() -> None:
    assert secret_refs(GOOD) == [{"file": "ops.token", "path": "alertmanager/ops"}, {"file": "chat.slack-url", "path": "alertmanager/slack"}]
    built = receivers(GOOD, "/etc/alertmanager/secrets")
    assert built[0] == {"name": "none"}
    assert built[1] == {"name": "ops", "webhook_configs": [{
        "url": "https://hooks.example/alerts", "send_resolved": True,
        "http_config": {"authorization": {"type": "Bearer", "credentials_file": "/etc/alertmanager/secrets/ops.token"}}}]}
    assert built[2]["slack_configs"][0]["api_url_file"] == "/etc/alertmanager/secrets/chat.slack-url"
    assert "{{ .Annotations.runbook_url }}" in built[2]["slack_configs"][0]["text"]
    entry = secret_file({"item": {"file": "ops.token"}, "secret": "s3cret\n"}, "/etc/alertmanager/secrets", "alertmanager")
    assert entry == {"path": "/etc/alertmanager/secrets/ops.token", "content": "s3cret", "owner": "root", "group": "alertmanager",
                     "mode": "0640"}
