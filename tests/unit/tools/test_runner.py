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


def _env(journal: pathlib.Path, **extra: str) -> dict[str, str]:
    return dict(os.environ, NOVA_DGX_JOURNAL_DIR=str(journal), NOVA_DGX_PROJECT=str(ROOT), **extra)


def _cli(journal: pathlib.Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "nova_dgx", *args]


def _run(journal: pathlib.Path, *args: str, wait: bool = True, env: dict[str, str] | None = None) -> tuple[int, dict]:
    # Runs wait for their hosts: tests on the other xdist worker run on local-a too, and a run they hold is no
    # failure of this one. Only the test of refusal asks not to wait.
    waiting = ["--wait"] if wait and args[:1] == ("run",) else []
    result = subprocess.run(_cli(journal, *args, *waiting), capture_output=True, text=True, check=False, env=_env(journal, **(env or {})), cwd="/",
                            timeout=300)
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
    # ansible-runner's `command` file holds the whole process environment: never kept.
    assert not (artifacts / "command").exists() and (artifacts / "rc").exists()


def test_a_control_nodes_settings_file_reaches_every_run(tmp_path: pathlib.Path) -> None:
    settings = tmp_path / "control.yml"
    settings.write_text("control_marker: from-the-settings-file\n")
    code, out = _run(tmp_path, "run", str(HERE / "site_vars.yml"), "-i", str(INVENTORY), "--limit", "local-a",
                     env={"NOVA_DGX_EXTRA_VARS": str(settings)})
    assert code == 0 and out["status"] == "successful", out
    code, out = _run(tmp_path, "run", str(HERE / "site_vars.yml"), "-i", str(INVENTORY), "--limit", "local-a")
    assert code == 2 and out["status"] == "failed"
    code, out = _run(tmp_path, "run", str(HERE / "site_vars.yml"), "-i", str(INVENTORY), "--limit", "local-a",
                     env={"NOVA_DGX_EXTRA_VARS": str(tmp_path / "missing.yml")})
    assert code == 4 and "NOVA_DGX_EXTRA_VARS names" in out["error"] and "no such file" in out["error"]


def test_an_inline_extra_var_is_refused_without_repeating_it(tmp_path: pathlib.Path) -> None:
    code, out = _run(tmp_path, "run", str(HERE / "ok.yml"), "-i", str(INVENTORY), "-e", "db_password=Planted-Inline-9")
    assert code == 4 and out["status"] == "error"
    assert "Planted-Inline-9" not in json.dumps(out) and "@file" in out["error"]


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
    # The holder keeps hold-a until the release file exists, however slow the machine is. Hosts of this test's own
    # inventory: tests on the other xdist worker lock local-a and local-b, and would be answered busy.
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(INVENTORY.read_text().replace("local-a:", "hold-a:").replace("local-b:", "hold-b:"))
    release = tmp_path / "release"
    (tmp_path / "hold.yml").write_text(f"release: {release}\n")
    holder = subprocess.Popen(_cli(tmp_path, "run", str(HERE / "slow.yml"), "-i", str(inventory), "--limit", "hold-a",
                                   "-e", f"@{tmp_path / 'hold.yml'}"), stdout=subprocess.PIPE, text=True, env=_env(tmp_path), cwd="/")
    lock = ROOT / ".runner/locks/hold-a.lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and str(holder.pid) not in (lock.read_text() if lock.exists() else ""):
        time.sleep(0.2)
    code, out = _run(tmp_path, "run", str(HERE / "ok.yml"), "-i", str(inventory), "--limit", "hold-a", wait=False)
    assert code == 3 and out["status"] == "busy" and list(out["busy"]) == ["hold-a"]
    code, out = _run(tmp_path, "run", str(HERE / "ok.yml"), "-i", str(inventory), "--limit", "hold-b")
    assert code == 0, out  # another host is free
    waiter = subprocess.Popen(_cli(tmp_path, "run", str(HERE / "ok.yml"), "-i", str(inventory), "--limit", "hold-a", "--wait"),
                              stdout=subprocess.PIPE, text=True, env=_env(tmp_path), cwd="/")
    time.sleep(2)
    assert waiter.poll() is None  # waiting for hold-a, not refused
    release.touch()
    first = json.loads(holder.communicate(timeout=300)[0])
    assert first["status"] == "successful"
    second = json.loads(waiter.communicate(timeout=300)[0])
    assert waiter.returncode == 0 and second["status"] == "successful"


def test_journal_command(tmp_path: pathlib.Path) -> None:
    _run(tmp_path, "run", str(HERE / "ok.yml"), "-i", str(INVENTORY), "--limit", "local-a")
    listing = subprocess.run(_cli(tmp_path, "journal", "--limit", "5", "--json"), capture_output=True, text=True, check=True, env=_env(tmp_path))
    (entry,) = json.loads(listing.stdout)
    assert entry["playbook"].endswith("ok.yml") and entry["status"] == "ok" and pathlib.Path(entry["report"]).is_file()
    lines = subprocess.run(_cli(tmp_path, "journal"), capture_output=True, text=True, check=True, env=_env(tmp_path)).stdout
    assert "ok.yml" in lines and "changed=1" in lines


def _run_raw(journal: pathlib.Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_cli(journal, *args), capture_output=True, text=True, check=False, env=_env(journal), cwd="/", timeout=300)


def test_unknown_or_misspelt_flags_are_bad_input_with_json(tmp_path: pathlib.Path) -> None:
    playbook = str(HERE / "ok.yml")
    for flag in ("--limt", "--lim", "--colour"):  # misspelt, an abbreviation, unknown
        code, out = _run(tmp_path, "run", playbook, "-i", str(INVENTORY), flag, "local-a")
        assert code == 4 and out["status"] == "error" and out["rc"] == 4, out
        assert flag in out["error"] and out["playbook"] == playbook
    code, out = _run(tmp_path, "run", playbook, "--limit", "local-a", "--always-exit-zero", "--colour")
    assert code == 0 and out["status"] == "error" and out["rc"] == 4 and out["limit"] == "local-a"
    code, out = _run(tmp_path, "run")
    assert code == 4 and "playbook" in out["error"]
    code, out = _run(tmp_path, "journal", "--jsn")
    assert code == 4 and "--jsn" in out["error"] and out["limit"] is None
    assert not (tmp_path / "index.json").exists()  # nothing ran


def test_a_limit_with_a_part_that_matches_nothing_stops_the_run(tmp_path: pathlib.Path) -> None:
    code, out = _run(tmp_path, "run", str(HERE / "ok.yml"), "-i", str(INVENTORY), "--limit", "local-a,local-z")
    assert code == 4 and out["status"] == "error" and out["limit"] == "local-a,local-z"
    assert "'local-z' matches no host" in out["error"] and "nothing ran" in out["error"]
    assert "hosts" not in out and not (tmp_path / "index.json").exists()


def test_a_bad_limit_is_named_as_such(tmp_path: pathlib.Path) -> None:
    code, out = _run(tmp_path, "run", str(HERE / "ok.yml"), "-i", str(INVENTORY), "--limit", f"@{tmp_path / 'no-such-file'}")
    assert code == 4 and out["error"].startswith("bad --limit") and "inventory did not load" not in out["error"]
    assert out["playbook"] == str(HERE / "ok.yml") and out["limit"] == f"@{tmp_path / 'no-such-file'}"
    code, out = _run(tmp_path, "run", str(HERE / "ok.yml"), "-i", str(tmp_path / "no-such-inventory.yml"), "--limit", "local-a")
    assert code == 4 and "the inventory did not load" in out["error"]


def test_an_argument_spec_failure_is_one_useful_line(tmp_path: pathlib.Path) -> None:
    code, out = _run(tmp_path, "run", str(HERE / "argspec.yml"), "-i", str(INVENTORY), "--limit", "local-a")
    assert code == 2 and out["status"] == "failed"
    assert out["error"].startswith("local-a: argspec_demo: Validating arguments")
    assert "role argspec_demo: argument spec validation failed: argument 'argspec_demo_port' is of type str" in out["error"]
    assert "\n" not in out["error"] and "1 more" not in out["error"]
    (failure,) = out["failed_tasks"]
    first, second = failure["message"].splitlines()
    assert first.startswith("role argspec_demo: argument spec validation failed: ") and "argspec_demo_port" in first
    assert second == "value of argspec_demo_mode must be one of: a, b, got: c"
    report = pathlib.Path(out["journal_report"]).read_text()
    assert "short_description" not in failure["message"] and "argument_spec_data" not in report
    assert "\n  value of argspec_demo_mode must be one of" in report  # every line of the message stays in its code block


def test_journal_command_on_an_empty_journal(tmp_path: pathlib.Path) -> None:
    result = _run_raw(tmp_path, "journal")
    assert result.returncode == 0 and "no runs in the journal yet" in result.stdout
    result = _run_raw(tmp_path, "journal", "--json")
    assert result.returncode == 0 and json.loads(result.stdout) == []


def test_journal_command_on_a_corrupt_index(tmp_path: pathlib.Path) -> None:
    for text, words in (("{not json", "is not valid JSON"), ('{"id": 1}', "must be a JSON list"), ('[{"id": "x"}]', "entry 0 is not a run summary")):
        (tmp_path / "index.json").write_text(text)
        result = _run_raw(tmp_path, "journal", "--json")
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        out = json.loads(result.stdout)
        assert out["status"] == "error" and words in out["error"] and "move it aside" in out["error"]
        result = _run_raw(tmp_path, "journal")
        assert result.returncode == 1 and result.stdout == "" and words in result.stderr and "Traceback" not in result.stderr
