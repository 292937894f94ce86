"""python -m nova_dgx journal diff: per host, the tasks and checks whose result changed between two runs of a playbook,
over a journal written by the journal's own store (golden output for a known sequence, including a drift case)."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_store import Journal

ROOT = pathlib.Path(__file__).resolve().parents[3]
RECAP = {"ok": 5, "changed": 0, "unreachable": 0, "failed": 0, "skipped": 1, "rescued": 0, "ignored": 0}


def _report(ident: str, when: str, check: bool, changes: dict, failures: list, checks: list, hosts: tuple[str, ...] = ("dgx", "db"),
            playbook: str = "site.yml") -> dict:
    return {"id": ident, "started_at": when, "duration_s": 3.0, "status": "failed" if failures else "ok",
            "recap": {host: {**RECAP, "changed": len(changes.get(host, []))} for host in hosts}, "changes": changes,
            "failures": failures, "checks": checks, "slowest_tasks": [], "time_per_role": [], "playbook": playbook, "limit": "",
            "tags": [], "skip_tags": [], "check_mode": check, "diff_mode": False, "commit": "abc", "ansible_core": "2.19.14",
            "started_by": "ops", "runner_ident": ""}


def _check(host: str, name: str, result: str, detail: str) -> dict:
    return {"host": host, "role": "chrony", "task": "Check the clock", "item": name, "result": result, "detail": detail}


def _journal(directory: pathlib.Path) -> None:
    journal = Journal(directory)
    journal.save(_report("a1", "2026-12-01T09:00:00Z", False, {"dgx": [{"role": "base", "task": "Install packages"}]}, [],
                         [_check("dgx", "synchronised", "pass", "offset 1 ms")]))
    journal.save(_report("a2", "2026-12-02T09:00:00Z", False, {"db": [{"role": "postgresql", "task": "Write pg_hba.conf"}]},
                         [{"host": "dgx", "role": "k3s", "task": "Run k3s", "message": "boom", "unreachable": False, "ignored": False}],
                         [_check("dgx", "synchronised", "fail", "offset 9 s")]))
    # A check-mode run: drift on db, compared only with check runs.
    journal.save(_report("c3", "2026-12-03T09:00:00Z", True, {"db": [{"role": "ssh_hardening", "task": "Write sshd_config"}]}, [], []))
    journal.save(_report("c4", "2026-12-04T09:00:00Z", True, {}, [], [], hosts=("dgx", "db", "gpu-02")))
    journal.save(_report("x5", "2026-12-05T09:00:00Z", False, {}, [], [], playbook="playbooks/audit.yml"))


def _cli(journal: pathlib.Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nova_dgx", "journal", *args], capture_output=True, text=True, check=False, timeout=60,
                          env=dict(os.environ, NOVA_DGX_JOURNAL_DIR=str(journal), NOVA_DGX_PROJECT=str(ROOT)), cwd="/")


def test_two_runs_of_a_playbook_give_the_tasks_and_checks_that_changed(tmp_path: pathlib.Path) -> None:
    _journal(tmp_path)
    done = _cli(tmp_path, "diff", "a2", "a1")  # either order: compared older first
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "site.yml: before a1 2026-12-01T09:00:00Z run ok limit=all",
        "site.yml: after a2 2026-12-02T09:00:00Z run failed limit=all",
        "db: postgresql: Write pg_hba.conf: ok -> changed",
        "dgx: base: Install packages: changed -> ok",
        "dgx: k3s: Run k3s: ok -> failed",
        "dgx: check chrony: Check the clock [synchronised]: pass -> fail (offset 9 s)",
    ]


def test_by_default_the_newest_run_is_compared_with_the_one_before_of_the_same_playbook_and_mode(tmp_path: pathlib.Path) -> None:
    _journal(tmp_path)
    done = _cli(tmp_path, "diff", "c4", "--json")
    result = json.loads(done.stdout)
    assert (result["before"]["id"], result["after"]["id"], result["after"]["mode"]) == ("c3", "c4", "check")
    assert result["hosts"] == {"db": {"tasks": [{"task": "ssh_hardening: Write sshd_config", "before": "changed", "after": "ok"}],
                                      "checks": []},
                               "gpu-02": {"only_in": "c4", "tasks": [], "checks": []}}
    done = _cli(tmp_path, "diff")  # newest: x5, the only audit run
    assert done.returncode == 1 and "no run of playbooks/audit.yml before x5 to compare it with" in done.stderr


def test_refusals_name_the_fix(tmp_path: pathlib.Path) -> None:
    _journal(tmp_path)
    assert "no run 'nope' in the journal" in _cli(tmp_path, "diff", "nope").stderr
    assert "a1 ran site.yml and x5 ran playbooks/audit.yml" in json.loads(_cli(tmp_path, "diff", "a1", "x5", "--json").stdout)["error"]
    assert "compares two runs, got 3" in _cli(tmp_path, "diff", "a1", "a2", "c3").stderr
    done = _cli(tmp_path, "a1")
    assert done.returncode == 4 and "invalid choice: 'a1' (choose from 'diff', 'metrics')" in json.loads(done.stdout)["error"]
    assert "the journal has no runs yet" in _cli(tmp_path / "empty", "diff").stderr
