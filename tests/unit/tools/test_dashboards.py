"""The Grafana dashboards generated from src/nova_dgx/dashboards (grafana-foundation-sdk), and their files.

The files in roles/grafana/files/dashboards must be what the code generates (``python -m nova_dgx
dashboards --check``); each dashboard must decode into the SDK's types, lay its panels out on
Grafana's 24-column grid without overlap, query Prometheus only through the ``datasource``
variable, and read only metrics the platform exports under the names its alerts and tools use.
"""

from __future__ import annotations

import itertools
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import typing as t

import pytest
import yaml
from grafana_foundation_sdk.cog import plugins
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as dm
from grafana_foundation_sdk.models import prometheus

from nova_dgx import alerts, dashboards, promql
from nova_dgx.dashboards import files

ROOT = pathlib.Path(__file__).resolve().parents[3]
COMMITTED = ROOT / "roles/grafana/files/dashboards"
UIDS = ["nova-hosts", "nova-gpu", "nova-containers", "nova-databases", "nova-vault", "nova-wireguard"]
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
# Dead on a DGX Spark (GB10, unified memory), and the Xid gauge that keeps the last Xid forever.
DEAD = re.compile(r"DCGM_FI_DEV_FB_\w*|DCGM_FI_DEV_MEM_COPY_UTIL|DCGM_FI_DEV_MEMORY_TEMP|DCGM_FI_PROF_GR_ENGINE_ACTIVE|DCGM_FI_DEV_XID_ERRORS")
ALERT_RELATED = re.compile(r"^(DCGM_\w+|nova_\w+|pg_up|mongodb_up|vault_core_unsealed)$")
# DCGM fields dcgm-exporter exports by default (etc/default-counters.csv) that no alert reads; used
# only where roles/dcgm_exporter, whose field list is the better witness, is not in the checkout.
DCGM_DEFAULT_COUNTERS = {"DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"}
BUILT = dashboards.build_all()


def nova(*args: str, cwd: pathlib.Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nova_dgx", *args], capture_output=True, text=True, check=False, cwd=cwd,
                          env=dict(os.environ, NOVA_DGX_PROJECT=str(ROOT)), timeout=120)


def query_panels(dashboard: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    """Panels that show data: not rows, not text."""
    return [p for p in dashboards.panels(dashboard) if p["type"] not in ("row", "text")]


def test_the_six_dashboards_and_their_common_settings() -> None:
    assert list(dashboards.DASHBOARDS) == UIDS
    for uid, dashboard in BUILT.items():
        assert dashboard["uid"] == uid
        assert dashboard["tags"] == ["nova.dgx"] and dashboard["refresh"] == "30s"
        assert dashboard["time"] == {"from": "now-6h", "to": "now"}
        assert dashboard["title"].startswith("nova.dgx / ") and "id" not in dashboard
        assert isinstance(dashboard["schemaVersion"], int) and dashboard["schemaVersion"] >= 36


@pytest.mark.parametrize("uid", UIDS)
def test_the_model_round_trips_through_the_sdk_types(uid: str) -> None:
    plugins.register_default_plugins()
    dashboard = BUILT[uid]
    model = dm.Dashboard.from_json(dashboard)
    assert json.loads(json.dumps(model, cls=JSONEncoder)) == dashboard
    assert model.uid == uid and model.schema_version == dashboard["schemaVersion"]
    for panel in model.panels or []:
        if isinstance(panel, dm.Panel):
            assert all(isinstance(target, prometheus.Dataquery) for target in panel.targets or []), panel.title


@pytest.mark.parametrize("uid", UIDS)
def test_panels_have_unique_ids_and_fit_the_grid_without_overlap(uid: str) -> None:
    dashboard = BUILT[uid]
    ids = [panel["id"] for panel in dashboards.panels(dashboard)]
    assert len(ids) == len(set(ids)) and all(isinstance(i, int) and i > 0 for i in ids)
    # The top-level grid, then what each collapsed row holds (shown only when it is expanded).
    layers = [dashboard["panels"]] + [p["panels"] for p in dashboard["panels"] if p["type"] == "row" and p.get("panels")]
    for layer in layers:
        for panel in layer:
            pos = panel["gridPos"]
            assert pos["x"] >= 0 and pos["y"] >= 0 and pos["w"] > 0 and pos["h"] > 0, panel["title"]
            assert pos["x"] + pos["w"] <= 24, f"{panel['title']} reaches past column 24"
        for a, b in itertools.combinations(layer, 2):
            pa, pb = a["gridPos"], b["gridPos"]
            apart = (pa["x"] + pa["w"] <= pb["x"] or pb["x"] + pb["w"] <= pa["x"]
                     or pa["y"] + pa["h"] <= pb["y"] or pb["y"] + pb["h"] <= pa["y"])
            assert apart, f"{a['title']} overlaps {b['title']}"


@pytest.mark.parametrize("uid", UIDS)
def test_every_panel_queries_a_metric(uid: str) -> None:
    dashboard = BUILT[uid]
    panels = query_panels(dashboard)
    assert panels
    for panel in panels:
        exprs = [target.get("expr", "") for target in panel.get("targets") or []]
        assert exprs and all(expr.strip() for expr in exprs), panel["title"]
        assert all(promql.metric_names(expr) for expr in exprs), panel["title"]
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs)) and all(refs), panel["title"]
        assert panel["fieldConfig"]["defaults"].get("unit"), f"{panel['title']} has no unit"
    assert {title for title, _expr in dashboards.panel_queries(dashboard)} == {p["title"] for p in panels}


@pytest.mark.parametrize("uid", UIDS)
def test_every_query_reads_the_datasource_variable(uid: str) -> None:
    dashboard = BUILT[uid]
    for panel in query_panels(dashboard):
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert all(target["datasource"] == DATASOURCE for target in panel["targets"]), panel["title"]
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    source = variables["datasource"]
    assert source["type"] == "datasource" and source["query"] == "prometheus" and source["current"]["value"] == "nova-prometheus"
    host = variables["host"]
    assert host["type"] == "query" and host["query"] == 'label_values(up{job="node"}, host)' and host["datasource"] == DATASOURCE
    assert host["multi"] and host["includeAll"]
    assert dashboards.datasource_uids(dashboard) == {"nova-prometheus"}
    assert all('host=~"$host"' in expr for _title, expr in dashboards.panel_queries(dashboard))


def test_no_dashboard_reads_a_field_dead_on_a_dgx_spark() -> None:
    for uid, dashboard in BUILT.items():
        for title, expr in dashboards.panel_queries(dashboard):
            assert not DEAD.search(expr), f"{uid} / {title}: {expr}"
    gpu = dashboards.metrics(BUILT["nova-gpu"])
    assert "DCGM_EXP_XID_ERRORS_COUNT" in gpu and {"node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes"} <= gpu
    assert not any("increase(DCGM_EXP_XID_ERRORS_COUNT" in expr for _title, expr in dashboards.panel_queries(BUILT["nova-gpu"]))
    memory = [p for p in dashboards.panels(BUILT["nova-gpu"]) if p["type"] == "text"]
    assert memory and "MemAvailable" in memory[0]["options"]["content"] and "DGX Spark" in memory[0]["options"]["content"]


def test_alert_related_metrics_have_the_names_the_rules_and_tools_use() -> None:
    """DCGM_*, nova_*, pg_up, mongodb_up and vault_core_unsealed as the alert rules, the backup tool or the
    WireGuard metrics writer spell them (DCGM fields no rule reads: as nova.dgx.dcgm_exporter configures them)."""
    in_rules = set().union(*(promql.metric_names(rule["expr"]) for rule in alerts.rules(ROOT, {})))
    files = [ROOT / "roles/backup/files/nova_backup.py", ROOT / "roles/node_exporter/files/wireguard_metrics.py"]
    sources = "\n".join(path.read_text() for path in files)
    dcgm_defaults = ROOT / "roles/dcgm_exporter/defaults/main.yml"
    if dcgm_defaults.is_file():
        settings = yaml.safe_load(dcgm_defaults.read_text())
        dead = set(settings["dcgm_exporter_unsupported_on_spark"])
        dcgm_fields = {field["name"] for field in settings["dcgm_exporter_fields"]} - dead
    else:
        dcgm_fields = DCGM_DEFAULT_COUNTERS
    used = set().union(*(dashboards.metrics(dashboard) for dashboard in BUILT.values()))
    related = {name for name in used if ALERT_RELATED.match(name)}
    assert {"DCGM_FI_DEV_GPU_TEMP", "nova_backup_last_success_timestamp_seconds", "pg_up", "mongodb_up", "vault_core_unsealed",
            "nova_wireguard_latest_handshake_timestamp_seconds"} <= related
    unknown = {name for name in related
               if name not in in_rules and not re.search(rf"\b{name}\b", sources) and name not in dcgm_fields}
    assert not unknown, f"no alert rule, tool or exporter configuration knows {sorted(unknown)}"


def test_panel_queries_walk_collapsed_rows_and_metrics_read_query_variables() -> None:
    dashboard = {
        "templating": {"list": [{"type": "datasource", "name": "ds", "query": "prometheus", "current": {"value": "abc"}},
                                {"type": "query", "name": "gpu", "query": {"query": 'label_values(DCGM_FI_DEV_GPU_TEMP{host=~"$host"}, gpu)'}},
                                {"type": "query", "name": "n", "query": "query_result(count(node_load1))"},
                                {"type": "custom", "name": "c", "query": "a,b"}]},
        "panels": [{"type": "stat", "title": "one", "targets": [{"expr": "up"}], "datasource": {"uid": "${ds}"}},
                   {"type": "row", "title": "r", "collapsed": True, "panels": [
                       {"type": "timeseries", "title": "two", "datasource": {"uid": "fixed-uid"},
                        "targets": [{"expr": "rate(x_total[5m])", "datasource": "Old by name"}, {"expr": "y"}]}]}],
    }
    assert dashboards.panel_queries(dashboard) == [("one", "up"), ("two", "rate(x_total[5m])"), ("two", "y")]
    assert dashboards.metrics(dashboard) == {"up", "x_total", "y", "DCGM_FI_DEV_GPU_TEMP", "node_load1"}
    assert dashboards.datasource_uids(dashboard) == {"abc", "fixed-uid", "Old by name"}


def test_the_committed_files_are_what_the_code_generates() -> None:
    done = nova("dashboards", "--check", str(COMMITTED))
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout) == {"status": "ok", "missing": [], "differs": [], "unexpected": []}
    assert sorted(p.name for p in COMMITTED.glob("*.json")) == sorted(f"{uid}.json" for uid in UIDS)
    for uid in UIDS:
        text = (COMMITTED / f"{uid}.json").read_text()
        assert text == json.dumps(BUILT[uid], indent=2, sort_keys=True) + "\n"


def test_check_names_a_file_edited_by_hand_a_missing_one_and_a_stray_one(tmp_path: pathlib.Path) -> None:
    copy = tmp_path / "dashboards"
    shutil.copytree(COMMITTED, copy)
    edited = json.loads((copy / "nova-gpu.json").read_text())
    edited["panels"][1]["title"] = "edited in Grafana"
    (copy / "nova-gpu.json").write_text(json.dumps(edited, indent=2, sort_keys=True) + "\n")
    (copy / "nova-vault.json").unlink()
    (copy / "old.json").write_text("{}\n")
    done = nova("dashboards", "--check", str(copy), cwd=tmp_path)
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["status"] == "stale"
    assert result["differs"] == [str(copy / "nova-gpu.json")] and result["missing"] == [str(copy / "nova-vault.json")]
    assert result["unexpected"] == [str(copy / "old.json")]
    assert f"{copy / 'nova-gpu.json'}: differs" in done.stderr and f"{copy / 'nova-vault.json'}: missing" in done.stderr


def test_write_then_check_and_the_metrics_listing(tmp_path: pathlib.Path) -> None:
    done = nova("dashboards", "--write", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["written"] == [f"out/{uid}.json" for uid in UIDS]
    assert all((tmp_path / "out" / f"{uid}.json").read_text().endswith("}\n") for uid in UIDS)
    assert nova("dashboards", "--check", "out", cwd=tmp_path).returncode == 0
    listed = json.loads(nova("dashboards", "--metrics").stdout)
    assert list(listed) == sorted(UIDS) and listed == files.metric_report()
    assert all(names == sorted(names) and names for names in listed.values())
    assert "DCGM_FI_DEV_GPU_UTIL" in listed["nova-gpu"] and "vault_core_unsealed" in listed["nova-vault"]


@pytest.mark.parametrize("args", [[], ["--write", "a", "--check", "b"], ["--metric"]])
def test_bad_arguments_are_bad_input(args: list[str]) -> None:
    done = nova("dashboards", *args)
    result = json.loads(done.stdout)
    assert done.returncode == 4 and result["rc"] == 4 and result["status"] == "error", done.stdout + done.stderr
    assert "dashboards --help" in result["error"]
