# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""python -m nova_dgx readiness: run playbooks/readiness.yml through the runner, then write the day's readiness page
(<journal>/readiness/<date>.md: one row per check and host, failures first) and say whether the fleet is ready."""

from __future__ import annotations

import json
import pathlib
import typing as t

from nova_dgx import runner

PLAYBOOK = "playbooks/readiness.yml"
ORDER = {"fail": 0, "pass": 1, "skipped": 2}


def rows(report: t.Mapping[str, t.Any]) -> list[dict[str, str]]:
    """Every readiness row of a run report (its checks), plus one failed row per unreachable host; failures first."""
    found = [{"host": c["host"], "check": c.get("item") or c.get("task", ""), "result": c["result"], "detail": c.get("detail", "")}
             for c in report.get("checks", [])]
    found += [{"host": host, "check": "reachable", "result": "fail", "detail": _unreachable_message(report, host)}
              for host, recap in sorted(report.get("recap", {}).items()) if recap.get("unreachable")]
    return sorted(found, key=lambda r: (ORDER.get(r["result"], 0), r["host"], r["check"]))


def _unreachable_message(report: t.Mapping[str, t.Any], host: str) -> str:
    message = next((f["message"] for f in report.get("failures", []) if f.get("host") == host and f.get("unreachable")), "")
    return f"Ansible cannot reach it: {message[:200]}" if message else "Ansible cannot reach it"


def markdown(report: t.Mapping[str, t.Any], table: list[dict[str, str]], ready: bool) -> str:
    failed = [r for r in table if r["result"] == "fail"]
    lines = [f"# Readiness {report.get('started_at', '')[:10]}: {'READY' if ready else 'NOT READY'}", "",
             f"Run {report.get('id', '')} at {report.get('started_at', '')} ({report.get('limit') or 'all hosts'}, commit "
             f"{report.get('commit') or 'unknown'}): {sum(r['result'] == 'pass' for r in table)} passed, {len(failed)} failed, "
             f"{sum(r['result'] == 'skipped' for r in table)} skipped. What each row reads and what to do: docs/runbooks/readiness.md.", ""]
    lines += ["| host | check | result | detail |", "| --- | --- | --- | --- |"]
    for row in table:
        cells = [row["host"], row["check"], row["result"].upper() if row["result"] == "fail" else row["result"], row["detail"]]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def run(limit: str = "", inventory: str = "", extra_vars: tuple[str, ...] = (), wait: bool = False) -> tuple[int, dict[str, t.Any]]:
    """Exit code and outcome: 0 ready, 2 not ready, otherwise the runner's (3 busy, 4 bad input, 1 error)."""
    code, outcome = runner.run(runner.Request(playbook=PLAYBOOK, limit=limit, inventory=inventory, extra_vars=extra_vars, wait=wait))
    if not outcome.get("journal_report"):
        return code, outcome
    report = json.loads(pathlib.Path(outcome["journal_report"]).with_suffix(".json").read_text(encoding="utf-8"))
    table = rows(report)
    ready = outcome.get("status") == "successful" and not [r for r in table if r["result"] == "fail"]
    page = runner.journal_dir(runner.project_root()) / "readiness" / f"{report['started_at'][:10]}.md"
    page.parent.mkdir(parents=True, exist_ok=True)
    temporary = page.with_name(f".{page.name}.tmp")
    temporary.write_text(markdown(report, table, ready), encoding="utf-8")
    temporary.replace(page)
    outcome.update(ready=ready, readiness_report=str(page), failed_checks=[r for r in table if r["result"] == "fail"])
    return (0 if ready else 2), outcome
