# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prometheus's scrape jobs from the inventory, and the checks of nova.dgx.prometheus's input (private)."""

from __future__ import annotations

import re
import time
import typing as t
import urllib.parse

from ansible_collections.nova.dgx.plugins.plugin_utils._validate import shown

__all__ = [
    "VAULT_CA",
    "alertmanager_targets",
    "probe_check",
    "probe_errors",
    "target_checks",
    "blackbox_probes",
    "duration_seconds",
    "scrape_configs",
    "settings_errors",
]

_DURATION = re.compile(r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?")
_UNITS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)
_SIZE = re.compile(r"\d+(\.\d+)?(B|KB|MB|GB|TB|PB|EB)")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def duration_seconds(value: object) -> float | None:
    """Seconds in a Prometheus duration (1d12h, 30s, 500ms), or None when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    match = _DURATION.fullmatch(value)
    if not match or not any(match.groups()):
        return None
    return sum(int(part) * unit for part, unit in zip(match.groups(), _UNITS) if part)


def _address(hostvars: dict[str, t.Any], host: str, listen_var: str) -> str:
    """Where Prometheus reaches a host's exporter: its listen address, the host's overlay address, or its inventory address."""
    variables = hostvars.get(host, {})
    address = str(variables.get(listen_var) or variables.get("wireguard_address") or variables.get("ansible_host") or host)
    return f"[{address}]" if ":" in address else address


# job: (groups, variable that turns the exporter off, its listen address variable, its port variable, default port)
_JOBS: tuple[tuple[str, tuple[str, ...], str, str, str, int], ...] = (
    ("node", ("all",), "", "node_exporter_listen_address", "node_exporter_port", 9100),
    ("dcgm", ("gpu",), "dcgm_exporter_enabled", "dcgm_exporter_listen_address", "dcgm_exporter_port", 9400),
    ("cadvisor", ("dgx", "k3s_server", "gpu"), "cadvisor_enabled", "cadvisor_listen_address", "cadvisor_port", 8080),
    ("postgres", ("postgres",), "postgresql_exporter", "postgresql_exporter_listen_address", "postgresql_exporter_port", 9187),
    ("mongodb", ("mongodb",), "mongodb_exporter", "mongodb_exporter_listen_address", "mongodb_exporter_port", 9216),
    ("vault", ("vault",), "vault_metrics", "vault_metrics_address", "vault_port", 8200),
    ("alertmanager", ("monitoring",), "", "alertmanager_listen_address", "alertmanager_port", 9093),
)
# Vault and OpenBao serve Prometheus metrics over TLS (their own CA) at /v1/sys/metrics.
VAULT_CA = "/etc/prometheus/vault-ca.pem"
_JOB_OPTIONS: dict[str, dict[str, t.Any]] = {
    "vault": {"scheme": "https", "metrics_path": "/v1/sys/metrics", "params": {"format": ["prometheus"]},
              "tls_config": {"ca_file": VAULT_CA}},
}


PROBE_MODULES = ("tls_platform", "tls_public", "http_2xx")
_PROBE_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
_PROBE_TARGET = re.compile(r"(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}")


def blackbox_probes(hostvars: dict[str, t.Any], groups: dict[str, list[str]],
                    extra: list[dict[str, t.Any]] | None = None) -> list[dict[str, str]]:
    """The endpoints blackbox_exporter probes: every secrets server's TLS (its certificate is signed by the platform's CA),
    every monitoring host's Grafana health URL, then the site's own (``prometheus_probes``: {target, module, host}):
    host:port for tls_public and tls_platform, a URL for http_2xx (a health URL such as n8n's)."""
    probes = [{"target": f"{_address(hostvars, host, 'vault_metrics_address')}:{int(hostvars.get(host, {}).get('vault_port', 8200))}",
               "module": "tls_platform", "host": host} for host in sorted(groups.get("vault", []))]
    # Grafana's health URL on each monitoring host: BlackboxProbeFailed says when the dashboards are dark
    # (a probe, not a scrape job: Prometheus's own verify runs before Grafana exists on a first run).
    probes += [{"target": f"http://{_address(hostvars, host, 'grafana_listen_address')}:"
                          f"{int(hostvars.get(host, {}).get('grafana_port', 3000))}/api/health", "module": "http_2xx", "host": host}
               for host in sorted(groups.get("monitoring", [])) if hostvars.get(host, {}).get("grafana_enabled", True)]
    # n8n's health URL on each control node (group automation): the workflows that start runs are down when it fails.
    probes += [{"target": f"http://{_address(hostvars, host, 'n8n_listen_address')}:"
                          f"{int(hostvars.get(host, {}).get('n8n_port', 5678))}/healthz", "module": "http_2xx", "host": host}
               for host in sorted(groups.get("automation", []))]
    for entry in extra or []:
        probes.append({"target": str(entry["target"]), "module": str(entry.get("module", "tls_public")),
                       "host": str(entry.get("host") or _probe_host(str(entry["target"])))})
    return probes


def _probe_host(target: str) -> str:
    """The host part of host:port or of a URL."""
    if "://" in target:
        return urllib.parse.urlsplit(target).hostname or target
    return target.rsplit(":", 1)[0].strip("[]")


def probe_errors(probes: object) -> list[str]:
    """Problems with prometheus_probes, each naming the entry and the fix."""
    if not isinstance(probes, list):
        return [f"prometheus_probes must be a list of {{target: host:port, module}}, got {shown(probes)}"]
    problems = []
    for index, entry in enumerate(probes):
        if not isinstance(entry, dict):
            problems.append(f"prometheus_probes[{index}] must be a mapping {{target, module, host}}, got {shown(entry)}")
            continue
        target, module = entry.get("target"), entry.get("module", "tls_public")
        if module not in PROBE_MODULES:
            problems.append(f"prometheus_probes[{index}].module must be one of {', '.join(PROBE_MODULES)} (tls_platform: signed by the"
                            f" platform's CA; http_2xx: a URL that answers 2xx), got {shown(module)}")
        elif module == "http_2xx" and (not isinstance(target, str) or not _PROBE_URL.fullmatch(target)):
            problems.append(f"prometheus_probes[{index}].target must be a URL such as http://10.99.0.12:5678/healthz for module http_2xx,"
                            f" got {shown(target)}")
        elif module != "http_2xx" and (not isinstance(target, str) or not _PROBE_TARGET.fullmatch(target)):
            problems.append(f"prometheus_probes[{index}].target must be host:port such as git.example.org:443, got {shown(target)}")
    return problems


def _blackbox_job(hostvars: dict[str, t.Any], me: str, probes: list[dict[str, str]]) -> dict[str, t.Any]:
    """Prometheus asks blackbox_exporter on its own host to probe each target with its module."""
    exporter = f"{_address(hostvars, me, 'blackbox_exporter_listen_address')}:{int(hostvars.get(me, {}).get('blackbox_exporter_port', 9115))}"
    return {"job_name": "blackbox", "metrics_path": "/probe",
            "static_configs": [{"targets": [probe["target"]], "labels": {"host": probe["host"], "module": probe["module"]}} for probe in probes],
            "relabel_configs": [{"source_labels": ["__address__"], "target_label": "__param_target"},
                                {"source_labels": ["module"], "target_label": "__param_module"},
                                {"source_labels": ["__param_target"], "target_label": "instance"},
                                {"target_label": "__address__", "replacement": exporter}]}


def scrape_configs(hostvars: dict[str, t.Any], groups: dict[str, list[str]], me: str, extra: list[dict[str, t.Any]] | None = None,
                   probes: list[dict[str, t.Any]] | None = None) -> list[dict[str, t.Any]]:
    """One job per exporter kind, with one target per inventory host that runs it, labelled with the host's name.

    ``me`` is the Prometheus host (its own job scrapes its listen address). Hosts are sorted, so the file is stable."""
    jobs: list[dict[str, t.Any]] = []
    mine = hostvars.get(me, {})
    port = int(mine.get("prometheus_port", 9090))
    jobs.append({"job_name": "prometheus", "static_configs": [{"targets": [f"{_address(hostvars, me, 'prometheus_listen_address')}:{port}"],
                                                               "labels": {"host": me}}]})
    for job_name, job_groups, switch, listen_var, port_var, default_port in _JOBS:
        statics: list[dict[str, t.Any]] = []
        for host in sorted({host for group in job_groups for host in groups.get(group, [])}):
            variables = hostvars.get(host, {})
            if switch and not variables.get(switch, True):
                continue
            target = f"{_address(hostvars, host, listen_var)}:{int(variables.get(port_var, default_port))}"
            statics.append({"targets": [target], "labels": {"host": host}})
        if statics:
            jobs.append({"job_name": job_name, **_JOB_OPTIONS.get(job_name, {}), "static_configs": statics})
    tls = blackbox_probes(hostvars, groups, probes)
    if tls and hostvars.get(me, {}).get("blackbox_exporter_enabled", True):
        jobs.append(_blackbox_job(hostvars, me, tls))
    names = {str(job["job_name"]) for job in jobs}
    for extra_job in extra or []:
        if extra_job.get("job_name") in names:
            raise ValueError(f"prometheus_extra_scrape_configs: job {extra_job.get('job_name')!r} is one of the inventory's own"
                             f" ({', '.join(sorted(names))})")
        jobs.append(extra_job)
    return jobs


def alertmanager_targets(hostvars: dict[str, t.Any], groups: dict[str, list[str]]) -> list[str]:
    """host:port of the Alertmanager on each monitoring host (nova.dgx.alertmanager runs on the same group)."""
    return [f"{_address(hostvars, host, 'alertmanager_listen_address')}:{int(hostvars.get(host, {}).get('alertmanager_port', 9093))}"
            for host in sorted(groups.get("monitoring", []))]


def settings_errors(settings: dict[str, t.Any]) -> list[str]:
    """Problems with prometheus_* values that a plain kind check cannot see: durations, their order, sizes, labels, remote_write."""
    problems = []
    seconds = {}
    for name in ("prometheus_scrape_interval", "prometheus_scrape_timeout", "prometheus_evaluation_interval", "prometheus_retention_time"):
        value = settings.get(name)
        seconds[name] = duration_seconds(value)
        if seconds[name] is None or seconds[name] == 0:
            problems.append(f"{name} must be a Prometheus duration such as 30s, 5m or 15d, got {shown(value)}")
    scrape, timeout, evaluation = (seconds[n] for n in ("prometheus_scrape_interval", "prometheus_scrape_timeout", "prometheus_evaluation_interval"))
    if scrape and evaluation and scrape > evaluation:
        problems.append(f"prometheus_scrape_interval {settings['prometheus_scrape_interval']} is longer than prometheus_evaluation_interval"
                        f" {settings['prometheus_evaluation_interval']}: rules would evaluate the same samples again and `for:` would"
                        " count scrapes wrongly; make the scrape interval the shorter or equal one")
    if scrape and timeout and timeout > scrape:
        problems.append(f"prometheus_scrape_timeout {settings['prometheus_scrape_timeout']} is longer than prometheus_scrape_interval"
                        f" {settings['prometheus_scrape_interval']}: Prometheus refuses that")
    size = settings.get("prometheus_retention_size")
    if size not in ("", "0", 0) and (not isinstance(size, str) or not _SIZE.fullmatch(size)):
        problems.append(f"prometheus_retention_size must be a size such as 20GB or 512MB (B, KB, MB, GB, TB), or empty for no limit, got {shown(size)}")
    labels = settings.get("prometheus_external_labels", {})
    if not isinstance(labels, dict) or any(not isinstance(k, str) or not _LABEL.fullmatch(k) or not isinstance(v, str) for k, v in labels.items()):
        problems.append(f"prometheus_external_labels must map label names ([a-zA-Z_][a-zA-Z0-9_]*) to strings, got {shown(labels)}")
    remote = settings.get("prometheus_remote_write", [])
    if not isinstance(remote, list):
        problems.append(f"prometheus_remote_write must be a list of remote_write entries, got {shown(remote)}")
    else:
        for index, entry in enumerate(remote):
            url = entry.get("url") if isinstance(entry, dict) else None
            if not isinstance(url, str) or not re.match(r"https?://[^\s/]+", url):
                problems.append(f"prometheus_remote_write[{index}] needs a url such as https://mimir.example/api/v1/push, got {shown(entry)}")
            elif isinstance(entry, dict) and ("basic_auth" in entry or "authorization" in entry or "bearer_token" in entry):
                problems.append(f"prometheus_remote_write[{index}] carries credentials: give prometheus_remote_write_secret instead"
                                " (the password is read from the secrets server), never in variables")
    extra = settings.get("prometheus_extra_scrape_configs", [])
    if not isinstance(extra, list) or any(not isinstance(job, dict) or not isinstance(job.get("job_name"), str) for job in extra):
        problems.append(f"prometheus_extra_scrape_configs must be a list of scrape configs, each with a job_name, got {shown(extra)}")
    rules = settings.get("prometheus_extra_rules", [])
    if not isinstance(rules, list) or any(not isinstance(group, dict) or not isinstance(group.get("name"), str)
                                          or not isinstance(group.get("rules"), list) for group in rules):
        problems.append("prometheus_extra_rules must be a list of rule groups, each {name: ..., rules: [...]}"
                        f" (promtool checks the rules themselves), got {shown(rules)}")
    return problems


def target_checks(targets: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    """One check per scrape job for the journal: each target's host, health and last scrape duration (Prometheus's
    /api/v1/targets activeTargets), so the monitoring report lists every target and its state."""
    jobs: dict[str, list[dict[str, t.Any]]] = {}
    for target in targets:
        jobs.setdefault(str(target.get("labels", {}).get("job", target.get("scrapePool", "?"))), []).append(target)
    checks = []
    for job in sorted(jobs):
        parts = []
        for target in sorted(jobs[job], key=lambda item: str(item.get("labels", {}).get("host", ""))):
            host = target.get("labels", {}).get("host") or target.get("labels", {}).get("instance", "?")
            seconds = float(target.get("lastScrapeDuration") or 0)
            state = str(target.get("health", "unknown"))
            parts.append(f"{host} {state} ({seconds * 1000:.0f} ms)" + (f": {target.get('lastError')}" if state != "up" and target.get("lastError") else ""))
        checks.append({"name": f"job {job}", "ok": all(target.get("health") == "up" for target in jobs[job]), "detail": "; ".join(parts)})
    return checks


def probe_check(result: dict[str, t.Any]) -> dict[str, t.Any]:
    """A journal row from one blackbox_exporter /probe answer (a looped uri result): success, and days to certificate expiry."""
    item = result.get("item", {})
    name = f"probe {item.get('host', '?')} {item.get('target', '?')}"
    if result.get("status") != 200:
        return {"name": name, "ok": False, "detail": f"no answer from blackbox_exporter: {result.get('msg', '?')}"}
    values = {}
    for line in str(result.get("content", "")).splitlines():
        if line and not line.startswith("#"):
            metric, value = line.rsplit(" ", 1) if " " in line else (line, "")
            values[metric.split("{", 1)[0]] = value
    ok = values.get("probe_success") == "1"
    expiry = values.get("probe_ssl_earliest_cert_expiry")
    days = (float(expiry) - time.time()) / 86400 if expiry else None
    if ok:
        detail = (f"answered ({item.get('module')})" + (f", certificate expires in {days:.0f} days" if days is not None else "")
                  if item.get("module") == "http_2xx" else
                  f"TLS handshake verified ({item.get('module')})" + (f", certificate expires in {days:.0f} days" if days is not None else ""))
    else:
        detail = f"probe failed ({item.get('module')}): the endpoint is down, answers an error or its certificate does not verify"
    return {"name": name, "ok": ok, "detail": detail}
