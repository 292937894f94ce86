"""Launch readiness's judgements (plugin_utils/_readiness.py): each probe's output into rows a person can act on."""

from __future__ import annotations

import json
import pathlib

import pytest
import yaml

from ansible_collections.nova.dgx.plugins.plugin_utils._readiness import JUDGED, absent_rows, host_rows, layer_rows, verdict

ROOT = pathlib.Path(__file__).resolve().parents[4]

NOW = 1_780_000_000  # 2026-05-28T20:26:40Z
TRACKING = "A29FC87B,162.159.200.123,3,1764931200.1,-0.000120,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,Normal"


def _ok(stdout: str = "", rc: int = 0, stderr: str = "") -> dict:
    return {"rc": rc, "stdout": stdout, "stderr": stderr}


def _rows(rows: list[dict]) -> dict[str, dict]:
    return {row["name"]: row for row in rows}


def _host(**probes: dict) -> dict[str, dict]:
    base = {"now": _ok(str(NOW)), "time": _ok(TRACKING), "disk": _ok("/dev/sda1 100000000000 50000000000 50000000000 50% /"),
            "certificates": _ok(""), "wireguard": _ok(f"priv\tpub\t51820\toff\npeerA\tpsk\t10.0.0.2:51820\t10.99.0.2/32\t{NOW - 30}\t1\t2\t25\n")}
    return _rows(host_rows({**base, **probes}, {"wireguard": True, "min_free_percent": 10, "handshake_max_age_s": 300}))


def test_a_healthy_host_passes_every_row_and_says_what_it_saw() -> None:
    rows = _host()
    assert [r["ok"] for r in rows.values() if not r["skipped_because"]] == [True, True, True]
    assert rows["time synchronised"]["detail"] == "offset -0.000120 s from 162.159.200.123, Normal (allowed 0.5 s)"
    assert rows["disk free"]["detail"] == "/ 50% free"
    assert rows["certificates valid 14 days"]["skipped_because"] == "no certificate issued by nova.dgx on this host"
    assert rows["WireGuard peers fresh"]["detail"] == "1 peer(s), the oldest handshake 30 s ago"


@pytest.mark.parametrize(("probe", "row", "says"), [
    ({"time": _ok("", 1, "506 Cannot talk to daemon")}, "time synchronised", "chronyd does not answer (506 Cannot talk to daemon)"),
    ({"time": _ok(TRACKING.replace("-0.000120", "2.5"))}, "time synchronised", "offset +2.500000 s"),
    ({"disk": _ok("/dev/sda1 100000000000 95000000000 5000000000 95% /")}, "disk free", "below 10%: / (5% free, 4 GiB)"),
    ({"certificates": _ok("/etc/openbao/tls/server.pem Jun  5 12:00:00 2026 GMT")}, "certificates valid 14 days",
     "/etc/openbao/tls/server.pem (8 days left)"),
    ({"certificates": _ok("/etc/openbao/tls/server.pem ")}, "certificates valid 14 days", "/etc/openbao/tls/server.pem (unreadable)"),
    ({"wireguard": _ok(f"priv\tpub\t51820\toff\npeerA\tpsk\t10.0.0.2:51820\t10.99.0.2/32\t{NOW - 900}\t1\t2\t25\n"
                       "peerB\tpsk\t(none)\t10.99.0.3/32\t0\t0\t0\t25\n")}, "WireGuard peers fresh", "10.99.0.2/32 (900 s), 10.99.0.3/32 (never)"),
    ({"wireguard": _ok("", 1, "Unable to access interface: No such device")}, "WireGuard peers fresh", "no peers on wg0"),
    ({"wireguard": _ok("5: wg0: <POINTOPOINT,NOARP> mtu 1420 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000\n"
                       f"priv\tpub\t51820\toff\npeerA\tpsk\t10.0.0.2:51820\t10.99.0.2/32\t{NOW - 30}\t1\t2\t25\n")},
     "WireGuard peers fresh", "wg0 is down: systemctl restart wg-quick@wg0"),
])
def test_each_breakage_turns_its_row_red_with_what_to_do(probe: dict, row: str, says: str) -> None:
    rows = _host(**probe)
    assert rows[row]["ok"] is False and says in rows[row]["detail"], rows[row]
    assert [name for name, r in rows.items() if not r["ok"] and not r["skipped_because"]] == [row]


def test_an_up_link_line_is_read_before_the_peers() -> None:
    up = ("5: wg0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n"
          f"priv\tpub\t51820\toff\npeerA\tpsk\t10.0.0.2:51820\t10.99.0.2/32\t{NOW - 30}\t1\t2\t25\n")
    assert _host(wireguard=_ok(up))["WireGuard peers fresh"]["detail"] == "1 peer(s), the oldest handshake 30 s ago"


def test_a_host_off_the_overlay_skips_the_wireguard_row() -> None:
    rows = _rows(host_rows({"now": _ok(str(NOW)), "time": _ok(TRACKING), "disk": _ok("x 10 1 9 10% /")}, {"wireguard": False}))
    assert rows["WireGuard peers fresh"]["skipped_because"] == "not in group wireguard"


def test_the_secrets_server() -> None:
    assert layer_rows("vault", {"health": {"json": {"initialized": True, "sealed": False, "version": "2.4.1"}}}, {})[0]["ok"] is True
    sealed = layer_rows("vault", {"health": {"json": {"initialized": True, "sealed": True}}}, {})[0]
    assert sealed["ok"] is False and "unseal it" in sealed["detail"]
    gone = layer_rows("vault", {"health": {"status": -1, "msg": "Connection refused"}}, {})[0]
    assert gone["ok"] is False and "Connection refused" in gone["detail"]


def test_databases_and_backups() -> None:
    assert layer_rows("postgresql", {"ready": _ok("")}, {})[0]["ok"] is True
    down = layer_rows("postgresql", {"ready": _ok("", 2, "")}, {})[0]
    assert down["ok"] is False and "systemctl status postgresql" in down["detail"]
    status = {"engines": {"postgresql": {"last_backup": {"ok": True}, "last_backup_age_hours": 3.5,
                                         "last_drill": {"ok": True, "finished": "2026-12-05T01:00:00+00:00"}},
                          "mongodb": {"last_backup": None, "last_backup_age_hours": None, "last_drill": {"ok": False, "error": "row count differs"}}}}
    rows = _rows(layer_rows("backup", {"status": _ok(json.dumps(status))}, {"backup_max_age_h": 26}))
    assert rows["postgresql backup younger than 26 h"]["ok"] and rows["postgresql restore drill passed"]["ok"]
    assert not rows["mongodb backup younger than 26 h"]["ok"] and "no backup yet" in rows["mongodb backup younger than 26 h"]["detail"]
    assert "FAILED: row count differs" in rows["mongodb restore drill passed"]["detail"]
    old = {"engines": {"postgresql": {**status["engines"]["postgresql"], "last_backup_age_hours": 30.0}}}
    assert not _rows(layer_rows("backup", {"status": _ok(json.dumps(old))}, {}))["postgresql backup younger than 26 h"]["ok"]


def test_monitoring() -> None:
    targets = {"data": {"activeTargets": [{"labels": {"job": "node", "instance": "db-01"}, "health": "up"},
                                          {"labels": {"job": "node", "instance": "10.99.0.1:9100", "host": "mgmt-01"}, "health": "down",
                                           "lastError": "connection refused"}]}}
    alerts = {"data": {"alerts": [{"state": "firing", "labels": {"alertname": "LabSynthetic", "severity": "info"}},
                                  {"state": "pending", "labels": {"alertname": "DiskFull", "severity": "critical"}}]}}
    rows = _rows(layer_rows("monitoring", {"targets": {"json": targets}, "alerts": {"json": alerts}}, {}))
    assert not rows["every Prometheus target up"]["ok"] and "node on mgmt-01 (connection refused)" in rows["every Prometheus target up"]["detail"]
    assert rows["no critical alert firing"]["ok"]  # an info alert firing and a critical one pending are not critical firing
    alerts["data"]["alerts"][1]["state"] = "firing"
    assert "firing: DiskFull" in _rows(layer_rows("monitoring", {"targets": {"json": targets}, "alerts": {"json": alerts}}, {}))[
        "no critical alert firing"]["detail"]
    expected = _rows(layer_rows("monitoring", {"targets": {"json": targets}, "alerts": {"json": alerts}}, {"expected_alerts": ["DiskFull"]}))
    assert expected["no critical alert firing"]["ok"] and "expected here, readiness_expected_alerts: DiskFull" in expected[
        "no critical alert firing"]["detail"]


def test_the_dgx() -> None:
    skipped = layer_rows("gpu", {}, {"gpu_checks": False, "gpu_skip_reason": "no GPU on this host"})
    assert len(skipped) == 5 and all(r["skipped_because"] == "no GPU on this host" for r in skipped)
    info = {"driver_version": "580.95.05", "gpus": [{"index": 0, "name": "NVIDIA GB10", "persistence_mode": True, "throttle_reasons": ["gpu_idle"]}]}
    rows = _rows(layer_rows("gpu", {"info": info, "xid": _ok("")}, {"driver_branch": 580, "expected_gpus": 1}))
    assert all(r["ok"] for r in rows.values()), rows
    info["gpus"][0]["throttle_reasons"] = ["hw_thermal_slowdown"]
    rows = _rows(layer_rows("gpu", {"info": info, "xid": _ok("NVRM: Xid (PCI:0000:01:00): 79, GPU has fallen off the bus")}, {"driver_branch": 590}))
    assert [n for n, r in rows.items() if not r["ok"]] == ["GPU driver branch", "no XID since boot", "GPU clocks not held low"]
    assert layer_rows("docker", {"docker": _ok("inactive")}, {})[0]["ok"] is False
    status = {"conditions": [{"type": "Ready", "status": "True"}], "allocatable": {"nvidia.com/gpu": "1"}}
    nodes = {"items": [{"metadata": {"name": "dgx-spark-01"}, "status": status}]}
    assert all(r["ok"] for r in layer_rows("k3s", {"nodes": _ok(json.dumps(nodes))}, {"gpu_nodes": ["dgx-spark-01"]}))
    nodes["items"][0]["status"] = {"conditions": [{"type": "Ready", "status": "False"}], "allocatable": {}}
    assert [r["ok"] for r in layer_rows("k3s", {"nodes": _ok(json.dumps(nodes))}, {"gpu_nodes": ["dgx-spark-01"]})] == [False, False]
    validation = {"ok": True, "image": "nvcr.io/nvidia/nemo-automodel:26.02@sha256:aaa"}
    assert layer_rows("nemo", {"validation": _ok(json.dumps(validation))}, {"digest": "sha256:aaa"})[0]["ok"] is True
    stale = layer_rows("nemo", {"validation": _ok(json.dumps(validation))}, {"digest": "sha256:bbb"})[0]
    assert stale["ok"] is False and "another image than sha256:bbb" in stale["detail"]


def test_layers_not_deployed_are_skipped_with_the_reason() -> None:
    rows = _rows(absent_rows({"all": ["a"], "vault": ["a"], "postgres": [], "monitoring": ["a"], "wireguard": ["a"], "dgx": ["a"]}))
    assert rows["PostgreSQL layer"]["skipped_because"] == "not deployed: no host in group postgres"
    assert set(rows) == {"PostgreSQL layer", "MongoDB layer", "k3s layer"}
    with pytest.raises(ValueError, match="unknown readiness layer"):
        layer_rows("mainframe", {}, {})


def _mongod(**state) -> dict:
    base = {"active": "active", "enabled": "enabled", "version": ["db version v8.0.17"], "listening": ["127.0.0.1", "10.99.0.13"],
            "exporter_mongodb_up": "1"}
    return _ok(json.dumps({**base, **state}))


@pytest.mark.parametrize(("probe", "server_checks", "ok", "says"), [
    (_mongod(), True, True, "db version v8.0.17 active, accepting connections on 127.0.0.1, 10.99.0.13; its exporter reports mongodb_up 1"),
    (_mongod(exporter_mongodb_up="0"), True, False, "mongodb_up 0 (it cannot log in): docs/runbooks/alerts/MongodbDown.md"),
    (_mongod(exporter_mongodb_up="0"), False, True, "the wire-protocol answer is not asked (mongodb_server_checks is false)"),
    (_mongod(active="failed"), False, False, "db version v8.0.17 is failed: systemctl status mongod"),
    (_mongod(listening=[]), True, False, "accepts connections on none of its addresses"),
    (_ok("", 2, "python3: can't open file"), True, False, "nova-mongodb.py probe did not answer (python3: can't open file): converge the data layer"),
])
def test_mongodb_answers(probe: dict, server_checks: bool, ok: bool, says: str) -> None:
    (row,) = layer_rows("mongodb", {"probe": probe}, {"server_checks": server_checks})
    assert row["name"] == "MongoDB answers" and row["ok"] is ok
    assert says in row["detail"], row["detail"]


AUDIT = [{"name": "listening sockets", "ok": True, "detail": "non-loopback: tcp/22"},
         {"name": "firewall default-deny", "ok": True, "detail": "policy drop"},
         {"name": "clock synchronised", "ok": False, "detail": "chronyc: 506"}]


def test_the_security_audit_is_one_row_and_leaves_the_clock_to_its_own_row() -> None:
    (row,) = layer_rows("audit", {"checks": AUDIT}, {})
    assert row == {"name": "security audit green", "ok": True, "detail": "2 checks pass: listening sockets, firewall default-deny",
                   "skipped_because": ""}
    planted = AUDIT + [{"name": "no world-writable files in /etc", "ok": False, "detail": "/etc/nova-planted"}]
    (row,) = layer_rows("audit", {"checks": planted}, {})
    assert not row["ok"]
    assert row["detail"] == ("failing: no world-writable files in /etc (/etc/nova-planted): ansible-playbook playbooks/audit.yml; "
                             "docs/runbooks/security-audit.md")
    (row,) = layer_rows("audit", {"checks": []}, {})
    assert not row["ok"] and "gave no checks" in row["detail"]


def _judged(*rows: tuple[str, str]) -> dict:
    return {"checks": [{"name": name, "result": result} for name, result in rows]}


def test_the_verdict_names_each_hosts_failed_rows_in_play_order_and_the_hosts_never_judged() -> None:
    hostvars = {
        "db-01": {"_readiness_rows_host": _judged(("time synchronised", "fail"), ("disk free", "pass")),
                  "_readiness_rows_data": _judged(("PostgreSQL answers", "fail"), ("MongoDB answers", "skipped"))},
        "mgmt-01": {"_readiness_rows_host": _judged(("time synchronised", "pass")), "_readiness_rows_vault": _judged(("secrets server unsealed", "pass"))},
        "gpu-02": {"ansible_host": "192.0.2.40"},  # unreachable: the first play never judged it
    }
    assert verdict(["db-01", "mgmt-01", "gpu-02", "gone-99"], hostvars) == {
        "gone": ["gpu-02", "gone-99"], "unready": ["db-01: time synchronised, PostgreSQL answers"]}
    assert verdict(["mgmt-01"], hostvars) == {"gone": [], "unready": []}


def test_the_verdict_reads_every_row_list_readiness_registers_and_nothing_else() -> None:
    # A new judging play in readiness.yml registers its rows as _readiness_rows_<layer>; unless JUDGED
    # names it, its red rows would never fail the verdict.
    plays = yaml.safe_load((ROOT / "playbooks/readiness.yml").read_text())

    def registers(node: object) -> list[str]:
        if isinstance(node, dict):
            found = [node["register"]] if isinstance(node.get("register"), str) else []
            return found + [name for value in node.values() for name in registers(value)]
        return [name for value in node for name in registers(value)] if isinstance(node, list) else []

    row_lists = [name for name in registers(plays) if name.startswith("_readiness_rows")]
    assert sorted(row_lists) == sorted(JUDGED) and len(set(row_lists)) == len(row_lists), row_lists
