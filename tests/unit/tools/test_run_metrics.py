"""python -m nova_dgx journal metrics: the journal in Prometheus's text format, checked by promtool's own parser
(promtool check metrics), with the values a known sequence of runs must give; and written atomically for node_exporter."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_store import Journal
from nova_dgx import run_metrics

ROOT = pathlib.Path(__file__).resolve().parents[3]
RECAP = {"ok": 5, "changed": 0, "unreachable": 0, "failed": 0, "skipped": 1, "rescued": 0, "ignored": 0}


def _report(ident: str, when: str, playbook: str, check: bool, recap: dict, failed: bool = False) -> dict:
    return {"id": ident, "started_at": when, "duration_s": 61.5, "status": "failed" if failed else "ok", "recap": recap, "changes": {},
            "failures": [], "checks": [], "slowest_tasks": [], "time_per_role": [], "playbook": playbook, "limit": "", "tags": [],
            "skip_tags": [], "check_mode": check, "diff_mode": False, "commit": "abc", "ansible_core": "2.19.14", "started_by": "ops",
            "runner_ident": ""}


def _journal(directory: pathlib.Path) -> None:
    journal = Journal(directory)
    journal.save(_report("a1", "2026-12-01T00:00:00Z", "site.yml", False, {"dgx": {**RECAP, "changed": 4}}))
    journal.save(_report("a2", "2026-12-02T00:00:00Z", "site.yml", False, {"dgx": {**RECAP, "failed": 1}, "db": RECAP}, failed=True))
    journal.save(_report("c3", "2026-12-03T00:00:00Z", "site.yml", True, {"dgx": RECAP, "db": {**RECAP, "changed": 2}}))
    journal.save(_report("q4", "2026-12-04T00:00:00Z", 'odd "name".yml', False, {"dgx": RECAP}))


def test_the_metrics_say_what_the_journal_says(tmp_path: pathlib.Path) -> None:
    _journal(tmp_path)
    text = run_metrics.exposition(tmp_path)
    lines = set(text.splitlines())
    assert 'nova_dgx_run_last_success{playbook="site.yml",mode="run"} 0' in lines  # a2, not a1
    assert 'nova_dgx_run_last_timestamp_seconds{playbook="site.yml",mode="run"} 1796169600' in lines
    assert 'nova_dgx_run_last_success{playbook="site.yml",mode="check"} 1' in lines
    assert 'nova_dgx_run_host_failed{playbook="site.yml",mode="run",host="dgx"} 1' in lines
    assert 'nova_dgx_run_host_changed{playbook="site.yml",mode="check",host="db"} 2' in lines
    assert 'nova_dgx_host_drift{host="db"} 1' in lines and 'nova_dgx_host_drift{host="dgx"} 0' in lines
    assert 'nova_dgx_run_last_duration_seconds{playbook="odd \\"name\\".yml",mode="run"} 61.5' in lines
    assert "nova_dgx_journal_runs 4" in lines


def test_promtool_parses_them(tmp_path: pathlib.Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (scripts/setup-host installs it)")
    _journal(tmp_path)
    done = subprocess.run([promtool, "check", "metrics"], input=run_metrics.exposition(tmp_path), capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_written_into_a_textfile_directory_by_the_cli_and_after_a_run(tmp_path: pathlib.Path) -> None:
    _journal(tmp_path / "journal")
    (tmp_path / "textfile").mkdir()
    done = subprocess.run([sys.executable, "-m", "nova_dgx", "journal", "metrics", "--textfile", str(tmp_path / "textfile")],
                          capture_output=True, text=True, check=False, cwd="/",
                          env=dict(os.environ, NOVA_DGX_JOURNAL_DIR=str(tmp_path / "journal"), NOVA_DGX_PROJECT=str(ROOT)))
    assert done.returncode == 0 and json.loads(done.stdout)["textfile"] == str(tmp_path / "textfile" / "nova_dgx_runs.prom")
    written = tmp_path / "textfile" / "nova_dgx_runs.prom"
    assert written.read_text() == run_metrics.exposition(tmp_path / "journal") and written.stat().st_mode & 0o777 == 0o644
    assert [path.name for path in (tmp_path / "textfile").iterdir()] == ["nova_dgx_runs.prom"]
    assert run_metrics.maybe_write(tmp_path / "journal", {}) is None
    assert run_metrics.maybe_write(tmp_path / "journal", {"NOVA_DGX_METRICS_DIR": str(tmp_path / "missing")}) is None
    assert run_metrics.maybe_write(tmp_path / "journal", {"NOVA_DGX_METRICS_DIR": str(tmp_path / "textfile")}) == written
