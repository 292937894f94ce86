"""The checks of nova.dgx.grafana's datasources and dashboard files (plugin_utils/_grafana.py)."""

from __future__ import annotations

import json
import pathlib

from ansible_collections.nova.dgx.plugins.plugin_utils._grafana import dashboard_errors, datasource_errors, datasource_refs

ROOT = pathlib.Path(__file__).resolve().parents[4]
PROMETHEUS = {"name": "Prometheus", "uid": "nova-prometheus", "type": "prometheus", "url": "http://10.99.0.12:9090", "default": True}


def _dashboard(tmp_path: pathlib.Path, name: str, **content: object) -> str:
    body = {"uid": name, "title": name, "panels": [], **content}
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(body))
    return str(path)


def test_a_good_datasource_passes_and_bad_ones_name_the_field() -> None:
    assert datasource_errors([PROMETHEUS]) == []
    problems = datasource_errors([
        {**PROMETHEUS, "url": "10.99.0.12:9090"},
        {**PROMETHEUS, "name": "Second", "uid": "nova prometheus"},
        {**PROMETHEUS, "name": "Third", "uid": "third", "jsonData": {"password": "x"}},
    ])
    assert any(p.startswith("grafana_datasources[0].url must be an http:// or https:// URL") for p in problems)
    assert any(p.startswith("grafana_datasources[1].uid must be 1-40 letters") for p in problems)
    assert any("grafana_datasources[2] carries credentials (password)" in p for p in problems)
    assert any("Prometheus, Second, Third are all default" in p for p in problems)
    assert datasource_errors([]) == ["grafana_datasources must be a non-empty list of {name, uid, type, url}, got list []"]
    assert any("unknown field(s) secureJsonData" in p for p in datasource_errors([{**PROMETHEUS, "secureJsonData": {}}]))


def test_references_skip_variables_and_find_panels_targets_and_datasource_variables() -> None:
    dashboard = {
        "panels": [{"title": "CPU", "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "targets": [{"expr": "up", "datasource": {"uid": "other"}}]},
                   {"type": "row", "panels": [{"title": "Inner", "datasource": "legacy-name"}]}],
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus", "current": {"value": "gone"}},
                                {"name": "host", "type": "query", "datasource": {"uid": "$datasource"}}]},
    }
    assert sorted(ref[1] for ref in datasource_refs(dashboard)) == ["gone", "legacy-name", "other"]


def test_a_dashboard_variable_naming_a_missing_datasource_is_refused_with_the_fix(tmp_path: pathlib.Path) -> None:
    path = _dashboard(tmp_path, "gpu", templating={"list": [{"name": "datasource", "type": "datasource", "current": {"value": "Prometheus"}}]})
    (problem,) = dashboard_errors([path], [PROMETHEUS])
    assert "gpu.json variable 'datasource' names datasource 'Prometheus'" in problem
    assert "that is the name of datasource uid 'nova-prometheus'" in problem and "nova-prometheus" in problem


def test_broken_duplicate_and_uidless_files_are_refused(tmp_path: pathlib.Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    nouid = tmp_path / "nouid.json"
    nouid.write_text(json.dumps({"title": "x"}))
    first = _dashboard(tmp_path, "hosts")
    again = tmp_path / "again.json"
    again.write_text(json.dumps({"uid": "hosts", "title": "again"}))
    problems = dashboard_errors([str(broken), str(nouid), first, str(again)], [PROMETHEUS])
    assert any("broken.json: cannot be read as JSON" in p for p in problems)
    assert any("nouid.json: needs a uid and a title" in p for p in problems)
    assert any("again.json: uid 'hosts' is also hosts.json's" in p for p in problems)


def test_the_platforms_generated_dashboards_pass_with_the_default_datasource() -> None:
    files = sorted(str(path) for path in (ROOT / "roles/grafana/files/dashboards").glob("*.json"))
    assert len(files) >= 6
    assert dashboard_errors(files, [PROMETHEUS]) == []
