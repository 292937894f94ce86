# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Launch readiness (playbooks/readiness.yml): each probe's output judged into nova.dgx.checks rows, one per check,
each with a detail a person can act on. The playbook only gathers; every judgement is here (private)."""

from __future__ import annotations

import datetime as dt
import json
import re
import typing as t

__all__ = ["JUDGED", "LAYERS", "absent_rows", "host_rows", "layer_rows", "verdict"]

# The groups whose layers readiness checks, and what the layer is called in a skipped row.
LAYERS = {"vault": "secrets server", "postgres": "PostgreSQL", "mongodb": "MongoDB", "monitoring": "monitoring", "wireguard": "WireGuard",
          "dgx": "the DGX (GPU, Docker, NeMo)", "k3s_server": "k3s"}

Row = dict[str, t.Any]
Probe = t.Mapping[str, t.Any]  # a command's registered result: rc, stdout, stderr


def _row(name: str, ok: bool, detail: str, skipped_because: str = "") -> Row:
    return {"name": name, "ok": bool(ok), "detail": detail, "skipped_because": skipped_because}


def _text(probe: Probe | None, key: str = "stdout") -> str:
    return str((probe or {}).get(key) or "")


def _why(probe: Probe | None) -> str:
    return (_text(probe, "stderr") or _text(probe) or f"rc {(probe or {}).get('rc')}").strip().splitlines()[-1:][0][:160] if probe else "no answer"


def _time(probe: Probe | None, max_offset: float) -> Row:
    fields = _text(probe).strip().split(",")
    if (probe or {}).get("rc") != 0 or len(fields) < 14:
        return _row("time synchronised", False, f"chronyd does not answer ({_why(probe)}): systemctl status chrony; chronyc sources -v")
    offset, state = float(fields[4]), fields[13]
    ok = state != "Not synchronised" and abs(offset) <= max_offset
    return _row("time synchronised", ok, f"offset {offset:+.6f} s from {fields[1] or fields[0]}, {state} (allowed {max_offset} s)"
                + ("" if ok else ": chronyc sources -v"))


def _disk(probe: Probe | None, min_free: int) -> Row:
    found, full = [], []
    for line in _text(probe).splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[1].isdigit() and int(parts[1]) > 0:
            free = 100 * int(parts[3]) // int(parts[1])
            found.append(f"{parts[5]} {free}%")
            if free < min_free:
                full.append(f"{parts[5]} ({free}% free, {int(parts[3]) // 1024 ** 3} GiB)")
    if not found:
        return _row("disk free", False, f"df did not answer ({_why(probe)})")
    return _row("disk free", not full, ", ".join(found) + " free" + (f"; below {min_free}%: {', '.join(full)}: free space there" if full else ""))


def _certificates(probe: Probe | None, now: float, days: int) -> Row:
    lines = [line.split(" ", 1) for line in _text(probe).splitlines() if line.strip()]
    if not lines:
        return _row("certificates valid 14 days", True, "", "no certificate issued by nova.dgx on this host")
    shown, bad = [], []
    for path, *rest in lines:
        when = (rest[0] if rest else "").strip()
        try:
            expiry = dt.datetime.strptime(when, "%b %d %H:%M:%S %Y %Z").replace(tzinfo=dt.timezone.utc)
        except ValueError:
            bad.append(f"{path} (unreadable)")
            continue
        left = (expiry.timestamp() - now) / 86400
        shown.append(f"{path} until {expiry:%Y-%m-%d}")
        if left < days:
            bad.append(f"{path} ({'expired' if left < 0 else f'{left:.0f} days left'})")
    name = f"certificates valid {days} days"
    return _row(name, not bad, "; ".join(shown) if not bad else f"expiring or unreadable: {', '.join(bad)}: renew (converge the role that issues it)")


def _wireguard(probe: Probe | None, now: float, max_age: int, interface: str) -> Row:
    lines = _text(probe).splitlines()
    # `ip -o link show` first: a link that is down passes no traffic, whatever the last handshake says.
    link = lines[0] if lines and re.match(r"\d+: ", lines[0]) else ""
    if link and "UP" not in link.split("<", 1)[-1].split(">", 1)[0].split(","):
        return _row("WireGuard peers fresh", False, f"{interface} is down: systemctl restart wg-quick@{interface}")
    peers = [line.split("\t") for line in lines[2 if link else 1:] if line.count("\t") >= 4]
    if not peers:
        return _row("WireGuard peers fresh", False, f"no peers on {interface} ({_why(probe)}): systemctl status wg-quick@{interface}")
    # (a handshake a second "in the future" is the two clocks' rounding: age 0)
    ages = {p[3]: (max(0, int(now - int(p[4]))) if p[4].isdigit() and int(p[4]) > 0 else None) for p in peers}
    stale = [f"{endpoint} ({'never' if age is None else f'{age} s'})" for endpoint, age in ages.items() if age is None or age > max_age]
    known = [age for age in ages.values() if age is not None]
    detail = f"{len(peers)} peer(s), the oldest handshake {max(known) if known else 'none'} s ago"
    advice = f"; stale (over {max_age} s) or never: {', '.join(stale)}: wg show {interface}, and check the peer is up" if stale else ""
    return _row("WireGuard peers fresh", not stale, detail + advice)


def host_rows(probes: t.Mapping[str, Probe], settings: t.Mapping[str, t.Any]) -> list[Row]:
    """The rows every host has: time, disk, certificates, WireGuard (skipped off the overlay)."""
    now_text = _text(probes.get("now")).strip()
    now = float(now_text) if now_text.isdigit() else dt.datetime.now(dt.timezone.utc).timestamp()
    rows = [_time(probes.get("time"), float(settings.get("max_offset", 0.5))),
            _disk(probes.get("disk"), int(settings.get("min_free_percent", 10))),
            _certificates(probes.get("certificates"), now, int(settings.get("certificate_days", 14)))]
    if settings.get("wireguard"):
        rows.append(_wireguard(probes.get("wireguard"), now, int(settings.get("handshake_max_age_s", 300)), str(settings.get("interface", "wg0"))))
    else:
        rows.append(_row("WireGuard peers fresh", True, "", "not in group wireguard"))
    return rows


def _json(probe: Probe | None) -> t.Any:
    try:
        return json.loads(_text(probe)) if (probe or {}).get("rc", 0) == 0 else None
    except ValueError:
        return None


def _vault(probe: Probe | None) -> list[Row]:
    health = (probe or {}).get("json") if isinstance((probe or {}).get("json"), dict) else None
    if health is None:
        return [_row("secrets server unsealed", False, f"no answer from /v1/sys/health ({str((probe or {}).get('msg', ''))[:160]})")]
    if not health.get("initialized"):
        return [_row("secrets server unsealed", False, "not initialised: run the secrets layer (docs/runbooks/vault.md)")]
    sealed = bool(health.get("sealed"))
    return [_row("secrets server unsealed", not sealed, f"{'sealed' if sealed else 'unsealed'}, version {health.get('version', '?')}"
                 + (": unseal it (docs/runbooks/vault.md, 'Unseal after a reboot')" if sealed else ""))]


def _postgresql(probe: Probe | None) -> list[Row]:
    ok = (probe or {}).get("rc") == 0
    return [_row("PostgreSQL answers", ok, "accepting connections (pg_isready)" if ok else f"pg_isready: {_why(probe)}: systemctl status postgresql")]


def _mongodb(probe: Probe | None, server_checks: bool) -> list[Row]:
    """nova.dgx.mongodb's own probe of mongod and its exporter; the exporter's mongodb_up is the wire-protocol answer."""
    name, runbook = "MongoDB answers", "docs/runbooks/mongodb.md"
    state = _json(probe)
    if not isinstance(state, dict):
        return [_row(name, False, f"nova-mongodb.py probe did not answer ({_why(probe)}): converge the data layer; {runbook}")]
    version = " ".join(str(v) for v in state.get("version") or []) or "mongod"
    listening = [str(a) for a in state.get("listening") or []]
    if state.get("active") != "active":
        return [_row(name, False, f"{version} is {state.get('active', '?')}: systemctl status mongod; {runbook}")]
    if not listening:
        return [_row(name, False, f"{version} runs but accepts connections on none of its addresses: journalctl -u mongod; {runbook}")]
    seen = f"{version} active, accepting connections on {', '.join(listening)}"
    if not server_checks:
        return [_row(name, True, f"{seen}; the wire-protocol answer is not asked (mongodb_server_checks is false)")]
    up = str(state.get("exporter_mongodb_up", ""))
    return [_row(name, up == "1", f"{seen}; its exporter reports mongodb_up {up or '?'}"
                 + ("" if up == "1" else f" ({state.get('exporter_error', 'it cannot log in')}): docs/runbooks/alerts/MongodbDown.md"))]


def _audit(checks: t.Sequence[t.Mapping[str, t.Any]] | None) -> list[Row]:
    """The security audit's checks (playbooks/tasks/audit.yml) as one row; the clock has a row of its own here."""
    judged = [c for c in checks or [] if c.get("name") != "clock synchronised"]
    if not judged:
        return [_row("security audit green", False, "the audit's probes gave no checks: ansible-playbook playbooks/audit.yml")]
    failed = [c for c in judged if not c.get("ok") or str(c.get("ok")).lower() == "false"]
    if not failed:
        return [_row("security audit green", True, f"{len(judged)} checks pass: " + ", ".join(str(c.get("name")) for c in judged))]
    shown = "; ".join(f"{c.get('name')} ({str(c.get('detail', '')).strip()[:160]})" for c in failed)
    return [_row("security audit green", False, f"failing: {shown}: ansible-playbook playbooks/audit.yml; docs/runbooks/security-audit.md")]


def _backups(probe: Probe | None, max_age_h: float) -> list[Row]:
    status = _json(probe)
    if not isinstance(status, dict) or not isinstance(status.get("engines"), dict):
        return [_row("backups", False, f"the backup tool's status did not answer ({_why(probe)}): run the data layer")]
    rows = []
    for engine, state in sorted(status["engines"].items()):
        age = state.get("last_backup_age_hours")
        last = state.get("last_backup") or {}
        fresh = age is not None and last.get("ok", True) and age <= max_age_h
        rows.append(_row(f"{engine} backup younger than {max_age_h:g} h", fresh,
                         (f"the last backup finished {age} h ago" if age is not None else "no backup yet")
                         + ("" if fresh else ": systemctl start nova-backup-" + engine + ".service; docs/runbooks/backup.md")))
        drill = state.get("last_drill")
        rows.append(_row(f"{engine} restore drill passed", bool(drill and drill.get("ok")),
                         (f"the last drill ({drill.get('finished', '?')}) {'passed' if drill.get('ok') else 'FAILED: ' + str(drill.get('error', ''))[:160]}"
                          if drill else "no restore drill yet: ansible-playbook playbooks/restore-drill.yml")))
    return rows


def _prometheus(targets: Probe | None, alerts: Probe | None, expected: t.Collection[str] = ()) -> list[Row]:
    data = (targets or {}).get("json") if isinstance((targets or {}).get("json"), dict) else None
    active = (data or {}).get("data", {}).get("activeTargets") if data else None
    if active is None:
        rows = [_row("every Prometheus target up", False, f"Prometheus did not answer ({str((targets or {}).get('msg', ''))[:160]})")]
    else:
        down = [f"{x.get('labels', {}).get('job')} on {x.get('labels', {}).get('host') or x.get('labels', {}).get('instance')} "
                f"({x.get('lastError') or x.get('health')})" for x in active if x.get("health") != "up"]
        rows = [_row("every Prometheus target up", not down, f"{len(active) - len(down)} of {len(active)} up"
                     + (f"; down: {'; '.join(down)[:600]}" if down else ""))]
    fired = (alerts or {}).get("json") if isinstance((alerts or {}).get("json"), dict) else None
    if fired is None:
        rows.append(_row("no critical alert firing", False, "Prometheus did not answer /api/v1/alerts"))
    else:
        firing = sorted({a.get("labels", {}).get("alertname", "?") for a in fired.get("data", {}).get("alerts", [])
                         if a.get("state") == "firing" and a.get("labels", {}).get("severity") == "critical"})
        critical = [name for name in firing if name not in expected]
        known = [name for name in firing if name in expected]
        rows.append(_row("no critical alert firing", not critical,
                         ("none firing" if not critical else f"firing: {', '.join(critical)}: docs/runbooks/alerts/<name>.md")
                         + (f" (firing but expected here, readiness_expected_alerts: {', '.join(known)})" if known else "")))
    return rows


def _docker(probe: Probe | None) -> list[Row]:
    active = _text(probe).strip() == "active"
    return [_row("Docker running", active, "docker is " + (_text(probe).strip() or _why(probe)) + ("" if active else ": systemctl status docker"))]


def _gpu(info: t.Mapping[str, t.Any] | None, xids: Probe | None, settings: t.Mapping[str, t.Any]) -> list[Row]:
    names = ["GPU driver branch", "GPU count", "GPU persistence mode", "no XID since boot", "GPU clocks not held low"]
    if not settings.get("gpu_checks", True):
        return [_row(name, True, "", str(settings.get("gpu_skip_reason") or "no GPU on this host")) for name in names]
    info = info or {}
    gpus = info.get("gpus") or []
    if info.get("driver_version") is None:
        return [_row(name, False, f"NVML does not answer: {info.get('reason', info.get('msg', ''))}"[:200]) for name in names]
    branch = str(settings.get("driver_branch", ""))
    expected = settings.get("expected_gpus")
    slow = {"hw_slowdown", "hw_thermal_slowdown", "hw_power_brake_slowdown", "sw_thermal_slowdown"}
    held = [f"GPU {g.get('index')}: {', '.join(sorted(set(g.get('throttle_reasons') or []) & slow))}"
            for g in gpus if set(g.get("throttle_reasons") or []) & slow]
    xid_lines = [line for line in _text(xids).splitlines() if "Xid" in line]
    off = [str(g.get("index")) for g in gpus if not g.get("persistence_mode")]
    return [
        _row("GPU driver branch", str(info["driver_version"]).startswith(f"{branch}."), f"driver {info['driver_version']}, expected branch {branch}"),
        _row("GPU count", len(gpus) >= 1 if expected is None else len(gpus) == int(expected),
             f"{len(gpus)} GPU(s): {', '.join(str(g.get('name')) for g in gpus)}; expected {'at least 1' if expected is None else expected}"),
        _row("GPU persistence mode", bool(gpus) and not off, "on for every GPU" if gpus and not off else f"off on GPU {', '.join(off) or 'all'}"),
        _row("no XID since boot", not xid_lines, "none in the kernel log" if not xid_lines else f"{len(xid_lines)}: {xid_lines[-1][:200]}"),
        _row("GPU clocks not held low", not held, "no hardware or thermal slowdown" if not held else "; ".join(held)),
    ]


def _k3s(nodes: Probe | None, gpu_nodes: list[str]) -> list[Row]:
    data = _json(nodes)
    if not isinstance(data, dict):
        return [_row("k3s nodes Ready", False, f"kubectl get nodes did not answer ({_why(nodes)}): systemctl status k3s"),
                _row("GPU allocatable in k3s", False, "no node list")]
    ready: list[str] = []
    not_ready: list[str] = []
    gpu: dict[str, str] = {}
    for node in data.get("items", []):
        name = node.get("metadata", {}).get("name", "?")
        conditions = {c.get("type"): c.get("status") for c in node.get("status", {}).get("conditions", [])}
        (ready if conditions.get("Ready") == "True" else not_ready).append(name)
        gpu[name] = str(node.get("status", {}).get("allocatable", {}).get("nvidia.com/gpu", "0"))
    missing = [f"{name} ({gpu.get(name, 'not a node')})" for name in gpu_nodes if gpu.get(name, "0") in ("0", "")]
    return [_row("k3s nodes Ready", bool(ready) and not not_ready, f"Ready: {', '.join(ready) or 'none'}"
                 + (f"; not Ready: {', '.join(not_ready)}" if not_ready else "")),
            _row("GPU allocatable in k3s", not missing, "nvidia.com/gpu on " + (", ".join(f"{n} ({gpu.get(n)})" for n in gpu_nodes) or "no GPU node")
                 if not missing else f"no nvidia.com/gpu on {', '.join(missing)}: the device plugin (docs/runbooks/k3s.md)",
                 "" if gpu_nodes else "no GPU host among the k3s nodes")]


def _nemo(probe: Probe | None, settings: t.Mapping[str, t.Any]) -> list[Row]:
    if not settings.get("gpu_checks", True):
        return [_row("NeMo validation passed", True, "", str(settings.get("gpu_skip_reason") or "no GPU on this host"))]
    result = _json(probe)
    if not isinstance(result, dict):
        return [_row("NeMo validation passed", False, "no validation result: run the model-ops layer (playbooks/model_ops.yml)")]
    digest = str(settings.get("digest") or "")
    current = not digest or digest in str(result.get("image", ""))
    return [_row("NeMo validation passed", bool(result.get("ok")) and current,
                 (f"passed with {result.get('image')}" if result.get("ok") else f"failed: {str(result.get('error', ''))[:200]}")
                 + ("" if current else f"; it validated another image than {digest}: run the model-ops layer"))]


def layer_rows(layer: str, probes: t.Mapping[str, t.Any], settings: t.Mapping[str, t.Any]) -> list[Row]:
    """The rows of one layer on a host of its group."""
    judges: dict[str, t.Callable[[], list[Row]]] = {
        "vault": lambda: _vault(probes.get("health")),
        "postgresql": lambda: _postgresql(probes.get("ready")),
        "backup": lambda: _backups(probes.get("status"), float(settings.get("backup_max_age_h", 26))),
        "mongodb": lambda: _mongodb(probes.get("probe"), bool(settings.get("server_checks", True))),
        "audit": lambda: _audit(probes.get("checks")),
        "monitoring": lambda: _prometheus(probes.get("targets"), probes.get("alerts"), list(settings.get("expected_alerts") or [])),
        "docker": lambda: _docker(probes.get("docker")),
        "gpu": lambda: _gpu(probes.get("info"), probes.get("xid"), settings),
        "k3s": lambda: _k3s(probes.get("nodes"), list(settings.get("gpu_nodes") or [])),
        "nemo": lambda: _nemo(probes.get("validation"), settings),
    }
    if layer not in judges:
        raise ValueError(f"unknown readiness layer {layer!r}; known: {', '.join(judges)}")
    return judges[layer]()


def absent_rows(groups: t.Mapping[str, t.Any]) -> list[Row]:
    """A skipped row per layer whose group has no host (not deployed), or one row saying every layer is."""
    absent = [(group, label) for group, label in LAYERS.items() if not (groups or {}).get(group)]
    if not absent:
        return [_row("every layer deployed", True, "each of " + ", ".join(LAYERS) + " has hosts")]
    return [_row(f"{label} layer", True, "", f"not deployed: no host in group {group}") for group, label in absent]


# The registered results of playbooks/readiness.yml's judging tasks, in play order; the first is every host's own.
JUDGED = ("_readiness_rows_host", "_readiness_rows_vault", "_readiness_rows_data", "_readiness_rows_monitoring",
          "_readiness_rows_dgx", "_readiness_rows_k3s")


def verdict(hosts: t.Iterable[str], hostvars: t.Mapping[str, t.Any]) -> dict[str, list[str]]:
    """The verdict over the judged hosts: ``gone`` lists hosts without their first judgement (unreachable), ``unready``
    one "host: row, row" entry per host with a failed row, in play order."""
    gone: list[str] = []
    unready: list[str] = []
    for host in hosts:
        registered = hostvars[host] if host in hostvars else {}
        if not isinstance(registered.get(JUDGED[0]), t.Mapping):
            gone.append(str(host))
            continue
        failed = [str(row.get("name")) for key in JUDGED for row in (registered.get(key) or {}).get("checks") or []
                  if isinstance(row, t.Mapping) and row.get("result") == "fail"]
        if failed:
            unready.append(f"{host}: {', '.join(failed)}")
    return {"gone": gone, "unready": unready}
