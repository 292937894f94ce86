"""node_exporter and Prometheus on the scenario's host after converge and side_effect.yml.

REAL software: Debian 12's Prometheus and node_exporter, repacked by scripts/build-standin-repo as
the upstream release archives the roles download (docs/testing.md).
"""

from __future__ import annotations

import json
import os

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("monitoring")

API = "http://10.99.0.14:9090/api/v1"


def _get(host, path: str) -> dict:
    return json.loads(host.check_output(f"python3 -c \"import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('{API}{path}').read().decode())\""))


def test_both_listen_on_the_overlay_address_only(host) -> None:
    assert host.socket("tcp://10.99.0.14:9090").is_listening
    assert host.socket("tcp://10.99.0.14:9100").is_listening
    assert not host.socket("tcp://0.0.0.0:9090").is_listening
    assert not host.socket("tcp://0.0.0.0:9100").is_listening


def test_every_target_from_the_inventory_is_up(host) -> None:
    targets = _get(host, "/targets?state=active")["data"]["activeTargets"]
    found = {(t["labels"]["job"], t["labels"]["host"]) for t in targets}
    assert found == {("prometheus", "molecule-monitoring"), ("node", "molecule-monitoring"), ("alertmanager", "molecule-monitoring")}
    assert {t["health"] for t in targets} == {"up"}, [t.get("lastError") for t in targets]


def test_the_platform_rules_are_loaded_and_healthy(host) -> None:
    groups = _get(host, "/rules")["data"]["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) >= 20
    assert {rule["health"] for rule in rules} == {"ok"}
    platform = [rule for rule in rules if rule["type"] == "alerting" and rule["name"] != "MoleculeSynthetic"]
    assert all(rule["annotations"]["runbook_url"].endswith(f"/{rule['name']}.md") for rule in platform)


def test_the_units_run_sandboxed_as_their_own_users(host) -> None:
    for unit, user in (("prometheus.service", "prometheus"), ("node_exporter.service", "node-exporter")):
        with host.sudo():
            shown = host.check_output(f"systemctl show {unit} -p User -p ProtectSystem -p NoNewPrivileges -p ActiveState")
        props = dict(line.split("=", 1) for line in shown.splitlines())
        assert props == {"User": user, "ProtectSystem": "strict", "NoNewPrivileges": "yes", "ActiveState": "active"}


def test_the_textfile_collector_reads_its_directory(host) -> None:
    metrics = host.check_output("python3 -c \"import urllib.request; print(urllib.request.urlopen('http://10.99.0.14:9100/metrics').read().decode())\"")
    assert "node_textfile_scrape_error 0" in metrics


def test_the_synthetic_alert_reached_the_webhook_through_alertmanager_with_its_runbook(host) -> None:
    # Prometheus evaluates it every 5 s, Alertmanager groups for 5 s: it has long arrived by verify.
    for _attempt in range(30):
        received = host.run("cat /var/tmp/webhook.jsonl")
        if received.rc == 0 and received.stdout.strip():
            break
        host.run("sleep 2")
    payload = json.loads(received.stdout.splitlines()[0])
    assert payload["receiver"] == "molecule-hook" and payload["status"] == "firing"
    (alert,) = payload["alerts"]
    assert alert["labels"]["alertname"] == "MoleculeSynthetic" and alert["labels"]["severity"] == "warning"
    assert alert["annotations"]["runbook_url"].endswith("/docs/runbooks/monitoring.md")


def test_alertmanager_listens_on_the_overlay_only_and_holds_no_credential_in_its_file(host) -> None:
    assert host.socket("tcp://10.99.0.14:9093").is_listening
    assert not host.socket("tcp://0.0.0.0:9093").is_listening
    assert not host.socket("tcp://0.0.0.0:9094").is_listening  # no gossip cluster
    with host.sudo():
        config = host.file("/etc/alertmanager/alertmanager.yml").content_string
    assert "http://10.99.0.14:19093/alerts" in config and "credentials_file" not in config and "authorization" not in config
