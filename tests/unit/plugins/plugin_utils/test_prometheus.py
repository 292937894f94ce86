"""Prometheus's scrape jobs from the inventory and the checks of nova.dgx.prometheus's input (plugin_utils/_prometheus.py)."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._prometheus import (
    alertmanager_targets, duration_seconds, probe_check, probe_errors, scrape_configs, settings_errors, target_checks,
)

HOSTVARS = {
    "mgmt-01": {"wireguard_address": "10.99.0.12", "ansible_host": "172.31.240.12"},
    "db-01": {"wireguard_address": "10.99.0.13", "mongodb_exporter": False, "postgresql_exporter_port": 9188},
    "dgx-spark-01": {"ansible_host": "fd00::11"},
}
GROUPS = {"all": ["mgmt-01", "db-01", "dgx-spark-01"], "postgres": ["db-01"], "mongodb": ["db-01"], "monitoring": ["mgmt-01"]}
GOOD = {"prometheus_scrape_interval": "30s", "prometheus_scrape_timeout": "10s", "prometheus_evaluation_interval": "1m",
        "prometheus_retention_time": "15d", "prometheus_retention_size": "20GB", "prometheus_external_labels": {"site": "lab"},
        "prometheus_remote_write": [], "prometheus_extra_scrape_configs": [], "prometheus_extra_rules": []}


def test_jobs_follow_the_inventory_with_overlay_addresses_and_host_labels() -> None:
    jobs = {job["job_name"]: job["static_configs"] for job in scrape_configs(HOSTVARS, GROUPS, "mgmt-01")}
    assert list(jobs) == ["prometheus", "node", "postgres", "alertmanager", "blackbox"]  # db-01 turned its MongoDB exporter off
    assert jobs["prometheus"] == [{"targets": ["10.99.0.12:9090"], "labels": {"host": "mgmt-01"}}]
    assert jobs["node"] == [{"targets": ["10.99.0.13:9100"], "labels": {"host": "db-01"}},
                            {"targets": ["[fd00::11]:9100"], "labels": {"host": "dgx-spark-01"}},
                            {"targets": ["10.99.0.12:9100"], "labels": {"host": "mgmt-01"}}]
    assert jobs["postgres"] == [{"targets": ["10.99.0.13:9188"], "labels": {"host": "db-01"}}]
    assert jobs["alertmanager"] == [{"targets": ["10.99.0.12:9093"], "labels": {"host": "mgmt-01"}}]
    # Grafana's health URL on the monitoring host, probed through blackbox_exporter there.
    assert jobs["blackbox"] == [{"targets": ["http://10.99.0.12:3000/api/health"], "labels": {"host": "mgmt-01", "module": "http_2xx"}}]


def test_gpu_docker_and_vault_hosts_get_their_jobs_once_each() -> None:
    groups = {**GROUPS, "dgx": ["dgx-spark-01"], "gpu": ["dgx-spark-01"], "k3s_server": ["dgx-spark-01"], "vault": ["mgmt-01"]}
    hostvars = {**HOSTVARS, "dgx-spark-01": {"wireguard_address": "10.99.0.11", "cadvisor_port": 8081}}
    jobs = {job["job_name"]: job for job in scrape_configs(hostvars, groups, "mgmt-01")}
    assert list(jobs) == ["prometheus", "node", "dcgm", "cadvisor", "postgres", "vault", "alertmanager", "blackbox"]
    assert jobs["dcgm"]["static_configs"] == [{"targets": ["10.99.0.11:9400"], "labels": {"host": "dgx-spark-01"}}]
    # in three of the groups, one target
    assert jobs["cadvisor"]["static_configs"] == [{"targets": ["10.99.0.11:8081"], "labels": {"host": "dgx-spark-01"}}]
    assert jobs["vault"]["scheme"] == "https" and jobs["vault"]["params"] == {"format": ["prometheus"]}
    assert jobs["vault"]["tls_config"] == {"ca_file": "/etc/prometheus/vault-ca.pem"}
    assert jobs["vault"]["static_configs"] == [{"targets": ["10.99.0.12:8200"], "labels": {"host": "mgmt-01"}}]
    hostvars["dgx-spark-01"]["dcgm_exporter_enabled"] = False
    assert "dcgm" not in {job["job_name"] for job in scrape_configs(hostvars, groups, "mgmt-01")}


def test_alerts_go_to_the_alertmanager_of_each_monitoring_host() -> None:
    assert alertmanager_targets(HOSTVARS, GROUPS) == ["10.99.0.12:9093"]


def test_an_extra_job_may_not_take_an_inventory_jobs_name() -> None:
    extra = [{"job_name": "pushgateway", "static_configs": [{"targets": ["10.99.0.12:9091"]}]}]
    assert scrape_configs(HOSTVARS, GROUPS, "mgmt-01", extra)[-1] == extra[0]
    with pytest.raises(ValueError, match="job 'node' is one of the inventory's own"):
        scrape_configs(HOSTVARS, GROUPS, "mgmt-01", [{"job_name": "node"}])


DURATIONS = [("30s", 30), ("1d12h", 129600), ("500ms", 0.5), ("2w", 1209600), ("", None), ("30", None), ("1h30", None),
             ("banana", None), (30, None)]


@pytest.mark.parametrize(("value", "seconds"), DURATIONS)
def test_durations(value: object, seconds: float | None) -> None:
    assert duration_seconds(value) == seconds


def test_valid_settings_have_no_problems() -> None:
    assert settings_errors(GOOD) == []


@pytest.mark.parametrize(("change", "expected"), [
    ({"prometheus_retention_time": "30 days"}, "prometheus_retention_time must be a Prometheus duration such as 30s, 5m or 15d"),
    ({"prometheus_scrape_interval": "2m"}, "prometheus_scrape_interval 2m is longer than prometheus_evaluation_interval 1m"),
    ({"prometheus_scrape_timeout": "45s"}, "prometheus_scrape_timeout 45s is longer than prometheus_scrape_interval 30s"),
    ({"prometheus_retention_size": "20G"}, "prometheus_retention_size must be a size such as 20GB"),
    ({"prometheus_external_labels": {"data-center": "x"}}, "prometheus_external_labels must map label names"),
    ({"prometheus_remote_write": [{"uri": "https://mimir"}]}, "prometheus_remote_write[0] needs a url"),
    ({"prometheus_remote_write": [{"url": "https://mimir.internal/api/v1/push", "basic_auth": {"password": "x"}}]},
     "prometheus_remote_write[0] carries credentials"),
    ({"prometheus_extra_rules": [{"rules": []}]}, "prometheus_extra_rules must be a list of rule groups"),
])
def test_bad_settings_name_the_variable_and_the_fix(change: dict[str, object], expected: str) -> None:
    problems = settings_errors({**GOOD, **change})
    assert any(expected in problem for problem in problems), problems


def test_the_report_lists_each_jobs_targets_with_state_and_scrape_time() -> None:
    targets = [
        {"labels": {"job": "node", "host": "mgmt-01"}, "health": "up", "lastScrapeDuration": 0.0123, "lastError": ""},
        {"labels": {"job": "node", "host": "db-01"}, "health": "down", "lastScrapeDuration": 0.0, "lastError": "connection refused"},
        {"labels": {"job": "dcgm", "host": "dgx-spark-01"}, "health": "up", "lastScrapeDuration": 0.004},
    ]
    assert target_checks(targets) == [
        {"name": "job dcgm", "ok": True, "detail": "dgx-spark-01 up (4 ms)"},
        {"name": "job node", "ok": False, "detail": "db-01 down (0 ms): connection refused; mgmt-01 up (12 ms)"},
    ]


def test_every_secrets_server_and_the_sites_endpoints_are_probed_through_blackbox() -> None:
    groups = {**GROUPS, "vault": ["mgmt-01"]}
    extra = [{"target": "git.example.org:443", "module": "tls_public"}]
    jobs = {job["job_name"]: job for job in scrape_configs(HOSTVARS, groups, "mgmt-01", None, extra)}
    blackbox = jobs["blackbox"]
    assert blackbox["metrics_path"] == "/probe"
    assert blackbox["static_configs"] == [
        {"targets": ["10.99.0.12:8200"], "labels": {"host": "mgmt-01", "module": "tls_platform"}},
        {"targets": ["http://10.99.0.12:3000/api/health"], "labels": {"host": "mgmt-01", "module": "http_2xx"}},
        {"targets": ["git.example.org:443"], "labels": {"host": "git.example.org", "module": "tls_public"}}]
    assert {"target_label": "__address__", "replacement": "10.99.0.12:9115"} in blackbox["relabel_configs"]
    assert {"source_labels": ["module"], "target_label": "__param_module"} in blackbox["relabel_configs"]
    # n8n's health URL on each control node (group automation)
    automation = {job["job_name"]: job for job in scrape_configs(HOSTVARS, {**groups, "automation": ["mgmt-01"]}, "mgmt-01")}
    assert {"targets": ["http://10.99.0.12:5678/healthz"], "labels": {"host": "mgmt-01", "module": "http_2xx"}} in (
        automation["blackbox"]["static_configs"])
    no_grafana = {**HOSTVARS, "mgmt-01": {**HOSTVARS["mgmt-01"], "grafana_enabled": False}}
    assert "blackbox" not in {job["job_name"] for job in scrape_configs(no_grafana, GROUPS, "mgmt-01")}  # nothing to probe


def test_bad_probes_name_the_entry_and_the_fix() -> None:
    assert probe_errors([{"target": "git.example.org:443"}, {"target": "[fd00::1]:8200", "module": "tls_platform"}]) == []
    assert probe_errors([{"target": "https://git.example.org"}])[0].startswith("prometheus_probes[0].target must be host:port")
    assert "module must be one of tls_platform, tls_public, http_2xx" in probe_errors([{"target": "a:1", "module": "icmp"}])[0]
    assert probe_errors("git:443") == ["prometheus_probes must be a list of {target: host:port, module}, got str 'git:443'"]


def test_a_probe_answer_becomes_a_row_with_the_days_left() -> None:
    import time
    item = {"host": "mgmt-01", "target": "10.99.0.12:8200", "module": "tls_platform"}
    good = {"item": item, "status": 200, "content": f"# HELP x\nprobe_success 1\nprobe_ssl_earliest_cert_expiry {time.time() + 30 * 86400 + 60}\n"}
    assert probe_check(good) == {"name": "probe mgmt-01 10.99.0.12:8200", "ok": True,
                                 "detail": "TLS handshake verified (tls_platform), certificate expires in 30 days"}
    bad = {"item": item, "status": 200, "content": "probe_success 0\n"}
    assert probe_check(bad)["ok"] is False and "does not verify" in probe_check(bad)["detail"]
    assert probe_check({"item": item, "status": -1, "msg": "refused"})["detail"] == "no answer from blackbox_exporter: refused"


def test_a_health_url_is_probed_with_http_2xx_and_bad_ones_are_refused() -> None:
    probes = [{"target": "http://10.99.0.12:5678/healthz", "module": "http_2xx", "host": "n8n"}]
    assert probe_errors(probes) == []
    jobs = {job["job_name"]: job for job in scrape_configs(HOSTVARS, GROUPS, "mgmt-01", None, probes)}
    assert jobs["blackbox"]["static_configs"][-1] == {"targets": ["http://10.99.0.12:5678/healthz"], "labels": {"host": "n8n", "module": "http_2xx"}}
    (problem,) = probe_errors([{"target": "10.99.0.12:5678", "module": "http_2xx"}])
    assert problem.startswith("prometheus_probes[0].target must be a URL such as http://")
