"""python -m nova_dgx alerts --dry-run: the rules a monitoring host loads and where Alertmanager would send each."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from nova_dgx import alerts

ROOT = pathlib.Path(__file__).resolve().parents[3]
ROUTES = [{"receiver": "oncall", "matchers": ['severity="critical"'], "continue": True},
          {"receiver": "gpu-team", "matchers": ['alertname=~"Gpu.*"']},
          {"receiver": "never", "matchers": ['alertname=~"Gpu.*"']}]


@pytest.mark.parametrize(("labels", "expected"), [
    ({"alertname": "GpuTemperatureCritical", "severity": "critical"}, ["oncall", "gpu-team"]),  # continue, then the first GPU route only
    ({"alertname": "GpuTemperatureHigh", "severity": "warning"}, ["gpu-team"]),
    ({"alertname": "HostDiskFilling", "severity": "warning"}, ["chat"]),  # no route: the default receiver
])
def test_routes_are_walked_as_alertmanager_walks_them(labels: dict[str, str], expected: list[str]) -> None:
    assert alerts.route(labels, ROUTES, "chat") == expected


def test_a_negative_matcher_and_a_bad_one() -> None:
    assert alerts.route({"alertname": "HostDown", "severity": "critical"}, [{"receiver": "x", "matchers": ['severity!="critical"']}], "d") == ["d"]
    with pytest.raises(alerts.AlertsError, match="is not a matcher"):
        alerts.route({}, [{"receiver": "x", "matchers": ["severity=critical"]}], "d")


def test_the_lab_monitoring_host_lists_every_platform_alert_with_its_runbook(tmp_path: pathlib.Path) -> None:
    env = dict(os.environ, NOVA_DGX_PROJECT=str(ROOT), NOVA_DGX_JOURNAL_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "nova_dgx", "alerts", "--dry-run", "--write"], capture_output=True, text=True,
                          check=False, env=env, cwd="/", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "ok" and result["host"] == "mgmt-01"
    by_name = {a["alert"]: a for a in result["alerts"]}
    assert len(by_name) == len(result["alerts"]) >= 41 and "GpuClockStuckLow" in by_name and "BackupTooOld" in by_name
    # The lab's own rule (prometheus_extra_rules) goes to its webhook by the lab's route; the platform's go nowhere there.
    lab = by_name.pop("LabSynthetic")
    assert lab["receivers"] == ["lab-webhook"] and lab["group"] == "lab" and lab["runbook_url"].endswith("/docs/runbooks/monitoring.md")
    assert all(a["runbook_url"].endswith(f"/docs/runbooks/alerts/{a['alert']}.md") for a in by_name.values())
    assert all(a["receivers"] == ["none"] and a["severity"] in ("warning", "critical") for a in by_name.values())
    report = (tmp_path / "monitoring" / "alerts.md").read_text()
    assert result["report"] == str(tmp_path / "monitoring" / "alerts.md")
    assert "| GpuXidErrorCritical | nova.gpu | critical |" in report


def test_without_dry_run_it_is_bad_input(tmp_path: pathlib.Path) -> None:
    done = subprocess.run([sys.executable, "-m", "nova_dgx", "alerts"], capture_output=True, text=True, check=False, cwd="/",
                          env=dict(os.environ, NOVA_DGX_PROJECT=str(ROOT), NOVA_DGX_JOURNAL_DIR=str(tmp_path)), timeout=60)
    assert done.returncode == 4 and "--dry-run" in json.loads(done.stdout)["error"]
