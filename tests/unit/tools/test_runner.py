"""python -m nova_dgx, as n8n calls it: one JSON object on stdout, documented exit codes."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[3]
HERE = pathlib.Path(__file__).resolve().parent / "playbooks"
INVENTORY = ROOT / "tests/unit/plugins/callback/playbooks/inventory.yml"
SECRET = "Runner-Planted-Secret-77"


def _env(journal: pathlib.Path) -> dict[str, str]:
    return dict(os.environ, NOVA_DGX_JOURNAL_DIR=str(journal), NOVA_DGX_PROJECT=str(ROOT))


def _cli(journal: pathlib.Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "nova_dgx", *args]


def _run(journal: pathlib.Path, *args: str) -> tuple[int, dict]:
    result = subprocess.run(_cli(journal, *args), capture_output=True, text=True, check=False, env=_env(journal), cwd="/", timeout=300)
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout + result.stderr  # exactly one JSON object
    return result.returncode, json.loads(lines[0])


def test_successful_run(tmp_path: pathlib.Path) -> None:
    code, out = _run(tmp_path, "run", str(HERE / "ok.yml"), "-i", str(INVENTORY), "--limit", "local-a")
    assert code == 0 and out["status"] == "successful" and out["rc"] == 0
    assert out["stats"] == {"local-a": {"ok": 1, "changed": 1, "unreachable": 0, "failed": 0, "skipped": 0, "rescued": 0, "ignored": 0}}
    assert out["failed_tasks"] == [] and out["hosts"] == ["local-a"]
    report = pathlib.Path(out["journal_report"])
    assert report.is_file() and "ansible-runner, ident " + out["ident"] in report.read_text()
    artifacts = pathlib.Path(out["artifacts"])
    assert (artifacts / "status").read_text() == "successful"
    assert not (artifacts / "job_events").exists() and not (artifacts / "stdout").exists()


def test_failed_run_reports_masked_failures_and_exit_codes(tmp_path: pathlib.Path) -> None:
    secrets = tmp_path / "vars.yml"
    secrets.write_text(f"db_password: {SECRET}\n")
    args = ("run", str(HERE / "fail.yml"), "-i", str(INVENTORY), "--limit", "local-a", "-e", f"@{secrets}")
    code, out = _run(tmp_path, *args)
    assert code == 2 and out["status"] == "failed" and out["rc"] == 2
    (failure,) = out["failed_tasks"]
    assert failure["host"] == "local-a" and failure["task"] == "Log in to the database"
    assert failure["message"] == "login refused for ********"
    code, out = _run(tmp_path, *args, "--always-exit-zero")
    assert code == 0 and out["status"] == "failed"
    for path in [*tmp_path.rglob("*"), *(ROOT / ".runner").rglob("*")]:
        if path.is_file() and path != secrets:
            assert SECRET not in path.read_text(errors="replace"), path


def test_bad_input_is_a_json_error(tmp_path: pathlib.Path) -> None:
    code, out = _run(tmp_path, "run", "no-such-playbook.yml")
    assert code == 4 and out["status"] == "error" and "not found" in out["error"]
    code, out = _run(tmp_path, "run", str(HERE / "ok.yml"), "-e", "db_password=x")
    assert code == 4 and "@file" in out["error"]
    code, out = _run(tmp_path, "run", str(HERE / "ok.yml"), "-i", str(INVENTORY), "--limit", "nothing-matches")
    assert code == 4 and "matches no host" in out["error"]


def test_overlapping_runs_are_refused_or_wait(tmp_path: pathlib.Path) -> None:
    holder = subprocess.Popen(_cli(tmp_path, "run", str(HERE / "slow.yml"), "-i", str(INVENTORY), "--limit", "local-a"),
                              stdout=subprocess.PIPE, text=True, env=_env(tmp_path), cwd="/")
    lock = ROOT / ".runner/locks/local-a.lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and str(holder.pid) not in (lock.read_text() if lock.exists() else ""):
        time.sleep(0.2)
    code, out = _run(tmp_path, "run", str(HERE / "ok.yml"), "-i", str(INVENTORY), "--limit", "local-a")
    assert code == 3 and out["status"] == "busy" and list(out["busy"]) == ["local-a"]
    code, out = _run(tmp_path, "run", str(HERE / "ok.yml"), "-i", str(INVENTORY), "--limit", "local-b")
    assert code == 0, out  # another host is free
    code, out = _run(tmp_path, "run", str(HERE / "ok.yml"), "-i", str(INVENTORY), "--limit", "local-a", "--wait")
    first = json.loads(holder.communicate(timeout=120)[0])
    assert first["status"] == "successful"
    assert code == 0 and out["status"] == "successful"


def test_journal_command(tmp_path: pathlib.Path) -> None:
    _run(tmp_path, "run", str(HERE / "ok.yml"), "-i", str(INVENTORY), "--limit", "local-a")
    listing = subprocess.run(_cli(tmp_path, "journal", "--limit", "5", "--json"), capture_output=True, text=True, check=True, env=_env(tmp_path))
    (entry,) = json.loads(listing.stdout)
    assert entry["playbook"].endswith("ok.yml") and entry["status"] == "ok" and pathlib.Path(entry["report"]).is_file()
    lines = subprocess.run(_cli(tmp_path, "journal"), capture_output=True, text=True, check=True, env=_env(tmp_path)).stdout
    assert "ok.yml" in lines and "changed=1" in lines
