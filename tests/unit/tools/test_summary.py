"""python -m nova_dgx summary over a journal written by the journal's own store: runs per playbook, each host's last real
run and drift (a later check run that predicted changes), failed runs with their first error, the latest readiness."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_store import Journal

ROOT = pathlib.Path(__file__).resolve().parents[3]
RECAP = {"ok": 5, "changed": 0, "unreachable": 0, "failed": 0, "skipped": 1, "rescued": 0, "ignored": 0}


def _report(ident: str, when: str, playbook: str, check: bool, recap: dict[str, dict], changes: dict | None = None,
            failures: list | None = None, limit: str = "") -> dict:
    return {"id": ident, "started_at": when, "duration_s": 12.5, "status": "failed" if failures else "ok", "recap": recap,
            "changes": changes or {}, "failures": failures or [], "checks": [], "slowest_tasks": [], "time_per_role": [],
            "playbook": playbook, "limit": limit, "tags": [], "skip_tags": [], "check_mode": check, "diff_mode": check,
            "commit": "abc123", "ansible_core": "2.19.14", "started_by": f"ops@laptop: ansible-playbook {playbook}", "runner_ident": ""}


def changed(count: int) -> dict[str, int]:
    return {**RECAP, "changed": count}


def _journal(directory: pathlib.Path) -> None:
    journal = Journal(directory)
    journal.save(_report("c0", "2026-12-01T08:00:00Z", "site.yml", True, {"dgx": changed(3)},
                         {"dgx": [{"role": "base", "task": "Install packages"}]}))
    journal.save(_report("r1", "2026-12-01T09:00:00Z", "site.yml", False, {"dgx": changed(2), "db": changed(0)},
                         {"dgx": [{"role": "k3s", "task": "Write config.yaml"}, {"role": "", "task": "A play task"}]}))
    journal.save(_report("c2", "2026-12-02T09:00:00Z", "site.yml", True, {"dgx": changed(0), "db": changed(1)},
                         {"db": [{"role": "postgresql", "task": "Write pg_hba.conf"}]}))
    journal.save(_report("f3", "2026-12-03T09:00:00Z", "playbooks/data.yml", False, {"db": {**RECAP, "failed": 1}}, failures=[
        {"host": "db", "role": "postgresql", "task": "Start PostgreSQL", "message": "port 5432 in use\nmore", "unreachable": False,
         "ignored": False}], limit="db"))
    journal.save(_report("g4", "2026-12-04T09:00:00Z", "playbooks/readiness.yml", False, {"mgmt": changed(0)}))
    for day in range(5, 12):
        journal.save(_report(f"s{day}", f"2026-12-{day:02d}T09:00:00Z", "playbooks/audit.yml", True, {"dgx": changed(0)}))


def _summary(journal: pathlib.Path, *args: str) -> tuple[int, dict]:
    done = subprocess.run([sys.executable, "-m", "nova_dgx", "summary", *args], capture_output=True, text=True, check=False, timeout=60,
                          env=dict(os.environ, NOVA_DGX_JOURNAL_DIR=str(journal), NOVA_DGX_PROJECT=str(ROOT)), cwd="/")
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout + done.stderr
    return done.returncode, json.loads(lines[0])


def test_the_summary_reads_runs_drift_failures_and_readiness(tmp_path: pathlib.Path) -> None:
    _journal(tmp_path)
    code, summary = _summary(tmp_path, "--limit", "3")
    assert code == 0 and summary["status"] == "ok" and summary["runs"] == 12 and summary["latest"] == "2026-12-11T09:00:00Z"
    assert [row["id"] for row in summary["playbooks"]["playbooks/audit.yml"]] == ["s11", "s10", "s9"]
    assert [row["id"] for row in summary["playbooks"]["site.yml"]] == ["c2", "r1", "c0"]
    assert summary["playbooks"]["site.yml"][1]["started_by"] == "ops@laptop: ansible-playbook site.yml"
    assert summary["hosts"]["dgx"]["last_run"]["id"] == "r1"
    assert summary["hosts"]["dgx"]["last_run"]["tasks"] == ["k3s: Write config.yaml", "A play task"]
    assert summary["hosts"]["dgx"]["drift"] is None  # c0 predicted changes, but before the real run r1
    assert summary["hosts"]["db"]["last_run"]["id"] == "f3" and summary["hosts"]["db"]["last_run"]["status"] == "failed"
    assert summary["drift"] == []  # c2's prediction for db is older than db's last real run, f3
    (failed,) = summary["failed"]
    assert failed["id"] == "f3" and failed["limit"] == "db"
    assert failed["first_error"] == "db: postgresql: Start PostgreSQL: port 5432 in use"
    assert summary["readiness"]["id"] == "g4" and summary["readiness"]["status"] == "ok"


def test_a_check_run_after_the_last_real_run_is_drift(tmp_path: pathlib.Path) -> None:
    journal = Journal(tmp_path)
    journal.save(_report("r1", "2026-12-01T09:00:00Z", "site.yml", False, {"dgx": RECAP}))
    journal.save(_report("c2", "2026-12-02T09:00:00Z", "site.yml", True, {"dgx": {**RECAP, "changed": 2}},
                         {"dgx": [{"role": "ssh_hardening", "task": "Write sshd_config"}]}))
    _code, summary = _summary(tmp_path)
    assert summary["drift"] == ["dgx"]
    expected = {"id": "c2", "started_at": "2026-12-02T09:00:00Z", "playbook": "site.yml", "predicted_changes": 2,
                "tasks": ["ssh_hardening: Write sshd_config"]}
    assert summary["hosts"]["dgx"]["drift"] == expected
    assert summary["readiness"] is None


def test_export_writes_markdown_or_json(tmp_path: pathlib.Path) -> None:
    _journal(tmp_path / "journal")
    code, summary = _summary(tmp_path / "journal", "--export", str(tmp_path / "out" / "status.md"))
    assert code == 0 and summary["export"] == str(tmp_path / "out" / "status.md")
    text = (tmp_path / "out" / "status.md").read_text()
    assert text.startswith("# Platform status") and "Latest: **ok** at 2026-12-04T09:00:00Z" in text
    assert "| dgx | 2026-12-01T09:00:00Z site.yml | ok | 2 | k3s: Write config.yaml, A play task |" in text
    assert "db: postgresql: Start PostgreSQL: port 5432 in use" in text and "No host drifted" in text
    _summary(tmp_path / "journal", "--export", str(tmp_path / "out" / "status.json"))
    assert json.loads((tmp_path / "out" / "status.json").read_text())["failed"][0]["id"] == "f3"


def test_an_empty_journal_a_bad_limit_and_a_corrupt_index(tmp_path: pathlib.Path) -> None:
    code, summary = _summary(tmp_path)
    assert code == 0 and summary["runs"] == 0 and summary["hosts"] == {} and summary["latest"] == ""
    code, summary = _summary(tmp_path, "--limit", "0")
    assert code == 1 and summary["error"] == "summary: --limit must be at least 1, got 0"
    (tmp_path / "index.json").write_text("{}")
    code, summary = _summary(tmp_path)
    assert code == 1 and summary["status"] == "error" and "index.json" in summary["error"]
