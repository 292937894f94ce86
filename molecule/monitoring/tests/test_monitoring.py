"""node_exporter, Prometheus, Alertmanager and Grafana on the scenario's host after converge and side_effect.yml.

REAL software: Debian 12's Prometheus and node_exporter, repacked by scripts/build-standin-repo as
the upstream release archives the roles download (docs/testing.md). Grafana is a STAND-IN of the same
name from a signed mirror laid out like apt.grafana.com (no Grafana can be had here).
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
    assert found == {("prometheus", "molecule-monitoring"), ("node", "molecule-monitoring"), ("alertmanager", "molecule-monitoring"),
                     ("blackbox", "molecule-monitoring")}
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


GRAFANA = "http://10.99.0.14:3000"
_AS_ADMIN = ("import base64, sys, urllib.request, urllib.error\n"
             "r = urllib.request.Request(sys.argv[1])\n"
             "if sys.argv[2]: r.add_header('Authorization', 'Basic ' + base64.b64encode(sys.argv[2].encode()).decode())\n"
             "try:\n    print(urllib.request.urlopen(r, timeout=10).read().decode())\n"
             "except urllib.error.HTTPError as e:\n    print(e.code)\n")


def _grafana(host, path: str, credentials: str = "") -> str:
    # Test-only: the credentials are an argument of a command inside the throwaway container.
    return host.check_output(f"python3 -c {_quote(_AS_ADMIN)} {_quote(GRAFANA + path)} {_quote(credentials)}")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _admin(host) -> str:
    return "admin:" + host.file("/etc/grafana/admin_password").content_string


def test_grafana_listens_on_the_overlay_only_and_refuses_anonymous_requests(host) -> None:
    assert host.socket("tcp://10.99.0.14:3000").is_listening
    assert not host.socket("tcp://0.0.0.0:3000").is_listening
    assert json.loads(_grafana(host, "/api/health"))["database"] == "ok"
    assert _grafana(host, "/api/search").strip() == "401"
    assert _grafana(host, "/api/search", "admin:wrong-password").strip() == "401"


def test_the_rotated_admin_password_logs_in_and_no_file_but_its_own_holds_it(host) -> None:
    secret = host.file("/etc/grafana/admin_password")
    assert (secret.user, secret.group, secret.mode) == ("root", "grafana", 0o640)
    user = json.loads(_grafana(host, "/api/user", _admin(host)))
    assert user["login"] == "admin" and user["isGrafanaAdmin"] is True
    password = secret.content_string
    assert len(password) == 32
    assert password not in host.file("/etc/grafana/grafana.ini").content_string
    assert "$__file{/etc/grafana/admin_password}" in host.file("/etc/grafana/grafana.ini").content_string


def test_the_datasource_and_every_generated_dashboard_are_provisioned(host) -> None:
    sources = json.loads(_grafana(host, "/api/datasources", _admin(host)))
    assert [(s["uid"], s["type"], s["isDefault"]) for s in sources] == [("nova-prometheus", "prometheus", True)]
    health = json.loads(_grafana(host, "/api/datasources/uid/nova-prometheus/health", _admin(host)))
    assert health["status"] == "OK"
    found = {d["uid"]: d for d in json.loads(_grafana(host, "/api/search?type=dash-db", _admin(host)))}
    assert set(found) == {"nova-hosts", "nova-gpu", "nova-containers", "nova-databases", "nova-vault", "nova-wireguard"}
    assert {d["folderTitle"] for d in found.values()} == {"nova.dgx"}
    hosts = json.loads(_grafana(host, "/api/dashboards/uid/nova-hosts", _admin(host)))
    assert hosts["dashboard"]["title"] == "nova.dgx / Hosts" and hosts["meta"]["provisioned"] is True


def test_provisioned_files_keep_their_owner_and_mode(host) -> None:
    for path in ("/etc/grafana/grafana.ini", "/etc/grafana/provisioning/datasources/nova.yaml",
                 "/etc/grafana/provisioning/dashboards/nova.yaml", "/var/lib/grafana/dashboards/nova/nova-gpu.json"):
        f = host.file(path)
        assert (f.user, f.group, f.mode) == ("root", "grafana", 0o640), path


def test_blackbox_probes_grafanas_health_url_for_prometheus(host) -> None:
    # The inventory's monitoring host gets a probe of Grafana's /api/health (module http_2xx); a dead
    # Grafana then fires BlackboxProbeFailed. No secrets-server host here, so no TLS probe.
    result = _get(host, "/query?query=probe_success")["data"]["result"]
    assert [(r["metric"]["module"], r["metric"]["instance"], r["value"][1]) for r in result] == [
        ("http_2xx", "http://10.99.0.14:3000/api/health", "1")]
    assert host.socket("tcp://10.99.0.14:9115").is_listening and not host.socket("tcp://0.0.0.0:9115").is_listening
