"""nova.dgx.journal against real ansible-playbook runs, compared with Ansible's own recap."""

from __future__ import annotations

import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]
HERE = pathlib.Path(__file__).resolve().parent / "playbooks"
BIN = pathlib.Path(sys.executable).parent
PLANTED = ("Planted-Secret-Pa55", "Planted-Token-9x", "Planted-Api-Key-42")
RECAP = re.compile(
    r"^(?P<host>\S+)\s+: ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
    r"failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.M,
)


def _env(journal: pathlib.Path) -> dict[str, str]:
    return dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), NOVA_DGX_JOURNAL_DIR=str(journal), ANSIBLE_NOCOLOR="1")


def _play(journal: pathlib.Path, *args: str, playbook: str = "mixed.yml") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(HERE / "inventory.yml"), str(HERE / playbook), *args],
        capture_output=True, text=True, check=False, env=_env(journal), cwd=ROOT, timeout=300,
    )


def _ansible_recap(output: str) -> dict[str, dict[str, int]]:
    return {m["host"]: {k: int(v) for k, v in m.groupdict().items() if k != "host"} for m in RECAP.finditer(output)}


def _runs(journal: pathlib.Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((journal / "runs").glob("*.json"))]


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], pathlib.Path]:
    journal = tmp_path_factory.mktemp("journal")
    return _play(journal, "--diff"), journal


def test_recap_agrees_with_ansible(mixed_run) -> None:
    result, journal = mixed_run
    assert result.returncode == 4, result.stdout  # 4: a host was unreachable
    (run,) = _runs(journal)
    assert run["recap"] == _ansible_recap(result.stdout)
    assert run["recap"]["gone"]["unreachable"] == 1
    assert run["recap"]["local-a"]["ignored"] == 1 and run["recap"]["local-a"]["rescued"] == 1
    assert run["status"] == "failed"


def test_changes_failures_checks_and_timing(mixed_run) -> None:
    journal = mixed_run[1]
    (run,) = _runs(journal)
    changed = [c["task"] for c in run["changes"]["local-a"]]
    assert changed == ["Change something in a loop", "Handle a secret quietly", "Register a result with a secret key", "Restart nothing"]
    failures = {(f["host"], f["task"]): f for f in run["failures"]}
    assert failures[("local-a", "Fail but carry on")]["ignored"] is True
    assert failures[("local-b", "Fail inside a block")]["message"].startswith("block failed")
    assert failures[("gone", "Change something in a loop")]["unreachable"] is True
    assert {(c["host"], c["result"]) for c in run["checks"]} == {("local-a", "pass"), ("local-b", "pass")}
    assert len(run["slowest_tasks"]) == 10 and run["slowest_tasks"][0]["seconds"] >= run["slowest_tasks"][-1]["seconds"]
    assert run["limit"] == "" and run["diff_mode"] is True and run["check_mode"] is False
    assert run["ansible_core"].startswith("2.19.")


def test_markdown_orders_failed_then_changed_hosts(mixed_run) -> None:
    journal = mixed_run[1]
    (report,) = (journal / "runs").glob("*.md")
    text = report.read_text()
    recap = text.split("## Recap")[1].split("##")[0]
    assert recap.index("| gone |") < recap.index("| local-a |") < recap.index("| local-b |")
    assert "## Failures" in text and "## Changes" in text and "## Checks" in text and "## Time per role" in text
    index = (journal / "INDEX.md").read_text()
    assert report.name in index and "mixed.yml" in index


def test_no_planted_secret_anywhere_in_the_journal(mixed_run) -> None:
    journal = mixed_run[1]
    for path in journal.rglob("*"):
        if path.is_file():
            content = path.read_text()
            for secret in PLANTED:
                assert secret not in content, f"{secret} leaked into {path.name}"
    (run,) = _runs(journal)
    assert "********" in json.dumps(run)


def test_check_mode_run_is_marked(tmp_path: pathlib.Path) -> None:
    result = _play(tmp_path, "--check", "--limit", "local-a")
    (run,) = _runs(tmp_path)
    assert run["check_mode"] is True and run["limit"] == "local-a"
    assert run["recap"] == _ansible_recap(result.stdout)
    assert "| check |" in (tmp_path / "INDEX.md").read_text()


def test_index_trends_and_host_changes_across_runs(tmp_path: pathlib.Path) -> None:
    for _attempt in range(2):
        _play(tmp_path, "--limit", "local-a")
    index = (tmp_path / "INDEX.md").read_text()
    trend = next(line for line in index.splitlines() if "/mixed.yml |" in line and "→" in line)
    assert trend.count("→") == 2  # two durations, two changed counts
    host = next(line for line in index.splitlines() if line.startswith("| local-a |"))
    assert "since 20" in host and "Change something in a loop" in host


def test_concurrent_runs_both_land(tmp_path: pathlib.Path) -> None:
    procs = [
        subprocess.Popen([str(BIN / "ansible-playbook"), "-i", str(HERE / "inventory.yml"), str(HERE / "mixed.yml"), "-l", host],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(tmp_path), cwd=ROOT)
        for host in ("local-a", "local-b")
    ]
    for proc in procs:
        proc.wait(timeout=300)
    assert len(_runs(tmp_path)) == 2
    entries = json.loads((tmp_path / "index.json").read_text())
    assert sorted(e["limit"] for e in entries) == ["local-a", "local-b"]
    assert (tmp_path / "INDEX.md").read_text().count("mixed.yml](runs/") == 0  # links name the report files
    assert len([line for line in (tmp_path / "INDEX.md").read_text().splitlines() if "](runs/" in line]) == 2


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_interrupted_run_leaves_a_report(tmp_path: pathlib.Path, signum: int) -> None:
    proc = subprocess.Popen(
        [str(BIN / "ansible-playbook"), "-i", str(HERE / "inventory.yml"), str(HERE / "slow.yml"), "-l", "local-a"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(tmp_path), cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        if "Wait a long time" in line or time.monotonic() > deadline:
            break
    time.sleep(1)
    proc.send_signal(signum)
    proc.communicate(timeout=60)
    (run,) = _runs(tmp_path)
    assert run["status"] == "interrupted"
    assert [c["task"] for c in run["changes"]["local-a"]] == ["Change before the wait"]
    assert "interrupted" in (tmp_path / "INDEX.md").read_text()


def test_journal_errors_never_break_the_run(tmp_path: pathlib.Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    result = _play(blocker / "journal", "--limit", "local-a")
    assert result.returncode == 0, result.stdout
    assert result.stdout.count("nova.dgx.journal") + result.stderr.count("nova.dgx.journal") == 1


def test_looped_checks_get_a_row_per_item_with_their_own_words(tmp_path: pathlib.Path) -> None:
    result = _play(tmp_path, playbook="checks.yml")
    assert result.returncode == 2, result.stdout
    (run,) = _runs(tmp_path)
    rows = [(c["item"], c["result"], c["detail"]) for c in run["checks"]]
    assert rows == [("alpha", "pass", "alpha is fine"), ("beta", "fail", "beta is broken, token=********"), ("gamma", "pass", "gamma is fine"),
                    ("delta", "skipped", "no GPU on this host")]
    report = next((tmp_path / "runs").glob("*.md")).read_text()
    assert "| Check each thing [beta] | local-a | fail | beta is broken, token=******** |" in report
    assert "2 passed, 1 failed, 1 skipped (see each row for why)" in report
    assert "| Check each thing [delta] | local-a | skipped | no GPU on this host |" in report
    assert "Planted-Token-9x" not in report
    # Only nova.dgx.checks tasks are rows: the probe tagged verify before them is not.
    assert {c["task"] for c in run["checks"]} == {"Check each thing"}


def test_a_check_that_breaks_the_contract_is_one_failed_row_saying_why(tmp_path: pathlib.Path) -> None:
    result = _play(tmp_path, playbook="checks_malformed.yml")
    assert result.returncode == 2, result.stdout
    (run,) = _runs(tmp_path)
    (row,) = run["checks"]
    assert (row["task"], row["host"], row["result"]) == ("Check with no detail", "local-b", "fail")
    assert "checks[0] (silent): 'detail' is empty" in row["detail"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["/x/ansible-playbook", "-e", "db_password=Planted-1", "site.yml"], "ansible-playbook -e <hidden> site.yml"),
        (["/x/ansible-playbook", "-edb_password=Planted-1", "site.yml"], "ansible-playbook -e<hidden> site.yml"),
        (["/x/ansible-playbook", "--extra-vars=token=Planted-1", "-e@vars.yml"], "ansible-playbook --extra-vars=<hidden> -e@vars.yml"),
        (["/x/ansible-playbook", "--extra-vars", "@vars.yml", "--check"], "ansible-playbook --extra-vars @vars.yml --check"),
    ],
)
def test_the_recorded_command_line_hides_every_inline_extra_var(monkeypatch: pytest.MonkeyPatch, argv: list[str], expected: str) -> None:
    from ansible_collections.nova.dgx.plugins.callback import journal  # pylint: disable=import-outside-toplevel

    monkeypatch.setattr(sys, "argv", argv)
    assert journal._command_line() == expected


SECRETS_PLANTED = ("Planted-GroupVar-77", "Planted-HostVar-88", "Planted-Vaulted-66", "Planted-SetFact-55", "Planted-Psk-Inline-12")


def test_secrets_from_vars_files_vault_and_set_fact_never_reach_the_journal(tmp_path: pathlib.Path) -> None:
    result = _play(tmp_path, "--diff", "--vault-password-file", str(HERE / "vault-password.txt"), playbook="secrets.yml")
    for secret in SECRETS_PLANTED[:4]:
        assert secret in result.stdout, "the play really printed it (else the test proves nothing)"
    (run,) = _runs(tmp_path)
    text = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    for secret in SECRETS_PLANTED:
        assert secret not in text, f"{secret} leaked into the journal"
    assert "for the value" in json.dumps(run), "a plain word is not masked"


def test_the_timeline_has_one_bar_per_task_result_and_its_picture_draws_each(mixed_run) -> None:
    import xml.etree.ElementTree as ET  # noqa: PLC0415  # only this test reads SVG

    journal = mixed_run[1]
    (run,) = _runs(journal)
    bars = run["timeline"]
    assert all(0 <= entry["start_s"] <= entry["end_s"] <= run["duration_s"] + 0.5 for entry in bars)
    # Every failure and every change the report lists is a bar of that result, on that host.
    failed = {(b["host"], b["task"]) for b in bars if b["result"] in ("failed", "unreachable")}
    assert failed == {(f["host"], f["task"]) for f in run["failures"]}
    changed = [(b["host"], b["task"]) for b in bars if b["result"] == "changed"]
    assert sorted(changed) == sorted((h, c["task"]) for h, cs in run["changes"].items() for c in cs)
    assert {"ok", "changed", "failed", "skipped", "unreachable"} <= {b["result"] for b in bars}
    (picture,) = (journal / "runs").glob("*.svg")
    root = ET.fromstring(picture.read_text())  # well-formed
    rects = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") == "bar"]
    assert [r.get("data-result") for r in rects] == [b["result"] for b in bars]
    (report,) = (journal / "runs").glob("*.md")
    assert f"[{picture.name}]({picture.name})" in report.read_text()
