"""Bad input to nova.dgx.node_exporter and nova.dgx.prometheus fails before anything on a host changes (see conftest.py)."""

from __future__ import annotations

import pytest


CASES = [
    ("nova.dgx.node_exporter", {"node_exporter_port": 0}, "node_exporter_port must be"),
    ("nova.dgx.node_exporter", {"node_exporter_collectors": ["systemd", "wifi;rm"]}, "node_exporter_collectors[1] must be a valid variable name"),
    ("nova.dgx.node_exporter", {"node_exporter_textfile_dir": "var/lib/x"}, "node_exporter_textfile_dir must be an absolute path"),
    ("nova.dgx.node_exporter", {"node_exporter_version": "latest"}, "node_exporter_version must be a release such as 1.9.1"),
    ("nova.dgx.prometheus", {"prometheus_retention_time": "a month"}, "prometheus_retention_time must be a Prometheus duration"),
    ("nova.dgx.prometheus", {"prometheus_scrape_interval": "2m", "prometheus_evaluation_interval": "1m"},
     "prometheus_scrape_interval 2m is longer than prometheus_evaluation_interval 1m"),
    ("nova.dgx.prometheus", {"prometheus_alertmanagers": ["alertmanager"]}, "prometheus_alertmanagers[0] must be"),
    ("nova.dgx.prometheus", {"prometheus_version": "latest"}, "prometheus_version must be a release such as 3.5.0"),
    ("nova.dgx.alertmanager", {"alertmanager_receivers": [{"name": "ops", "webhook": {}}]},
     "alertmanager_receivers[0].webhook.url must be an http(s) URL"),
    ("nova.dgx.alertmanager", {"alertmanager_default_receiver": "pager"}, "alertmanager_default_receiver 'pager' is not in"),
    ("nova.dgx.alertmanager", {"alertmanager_group_interval": "often"}, "alertmanager_group_interval must be a duration"),
]


@pytest.mark.parametrize(("role", "variables", "expected"), CASES)
def test_bad_input_fails_before_the_host(role_batch, role: str, variables: dict[str, object], expected: str) -> None:
    role_batch(role, [(case, text) for name, case, text in CASES if name == role]).failed_before_any_host(variables, expected)


@pytest.mark.parametrize("role", ["nova.dgx.node_exporter", "nova.dgx.prometheus", "nova.dgx.alertmanager"])
def test_valid_input_reaches_the_host(run_role, role: str) -> None:
    run_role.reached_the_host(run_role(role, {}), "Gather the facts this role needs")
