# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Markdown for one run and for the journal's INDEX.md: stable ordering, readable in git."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_record import RECAP_FIELDS
from ansible_collections.nova.dgx.plugins.plugin_utils._journal_types import Check, IndexEntry, RunReport

TREND_RUNS = 8
INDEX_ROWS = 200


def _cell(value: t.Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[t.Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def host_order(run: RunReport) -> list[str]:
    """Failed and unreachable hosts first, then changed ones, then the rest; by name within each."""
    recap = run["recap"]

    def key(host: str) -> tuple[int, str]:
        r: t.Mapping[str, object] = recap.get(host) or {}
        rank = 0 if r.get("failed") or r.get("unreachable") else 1 if r.get("changed") or host in run["changes"] else 2
        return rank, host

    return sorted(set(recap) | set(run["changes"]), key=key)


def _yes(value: t.Any) -> str:
    return "yes" if value else "no"


def run_markdown(run: RunReport, timeline: str = "") -> str:
    """The run's Markdown report; ``timeline`` names its SVG picture beside it, linked from the header."""
    out = [f"# {run['playbook']}: {run['status']}", ""]
    out += _table(["", ""], [
        ["run", run["id"]],
        ["started (UTC)", run["started_at"]],
        ["duration", f"{run['duration_s']:.1f} s"],
        ["limit", run.get("limit") or "all"],
        ["tags", ", ".join(run.get("tags") or []) or "all"],
        ["skip tags", ", ".join(run.get("skip_tags") or []) or "none"],
        ["check mode", _yes(run.get("check_mode"))],
        ["diff mode", _yes(run.get("diff_mode"))],
        ["commit", run.get("commit") or "unknown"],
        ["ansible-core", run.get("ansible_core", "")],
        ["started by", run.get("started_by", "")],
        *([["timeline", f"[{timeline}]({timeline})"]] if timeline else []),
    ])
    hosts = host_order(run)
    out += ["## Recap", ""]
    counts: dict[str, t.Mapping[str, int]] = {h: t.cast("t.Mapping[str, int]", r) for h, r in run["recap"].items()}
    out += _table(["host", *RECAP_FIELDS], [[h, *(counts.get(h, {}).get(f, 0) for f in RECAP_FIELDS)] for h in hosts])
    if run["failures"]:
        out += ["## Failures", ""]
        for f in sorted(run["failures"], key=lambda x: (x["ignored"], x["host"], x["task"])):
            kind = "unreachable" if f["unreachable"] else "failed (ignored)" if f["ignored"] else "failed"
            message = [f"  {line}" for line in f["message"].splitlines() or [""]]
            out += [f"- **{f['host']}**, {f['role'] + ': ' if f['role'] else ''}{f['task']}: {kind}", "", "  ```", *message, "  ```", ""]
    if run["changes"]:
        out += ["## Changes", ""]
        for host in hosts:
            if host not in run["changes"]:
                continue
            out += [f"### {host}", ""]
            for change in run["changes"][host]:
                out += [f"- {change['role'] + ': ' if change['role'] else ''}{change['task']}"]
                if change.get("diff"):
                    out += ["", "  ```diff", *("  " + line for line in change["diff"].splitlines()), "  ```"]
            out += [""]
    if run["checks"]:
        passed = sum(c["result"] == "pass" for c in run["checks"])
        failed = sum(c["result"] == "fail" for c in run["checks"])
        skipped = sum(c["result"] == "skipped" for c in run["checks"])
        summary = f"{passed} passed, {failed} failed" + (f", {skipped} skipped (see each row for why)" if skipped else "")
        out += ["## Checks", "", summary, ""]
        out += _table(["check", "host", "result", "detail"], [
            [_check_name(c), c["host"], c["result"], c.get("detail") or ""]
            for c in sorted(run["checks"], key=lambda c: (c["result"] != "fail", c["role"], c["task"], c.get("item", ""), c["host"]))
        ])
    out += ["## Slowest tasks", ""]
    out += _table(["task", "role", "seconds"], [[t_["task"], t_["role"] or "-", f"{t_['seconds']:.2f}"] for t_ in run["slowest_tasks"]])
    out += ["## Time per role", ""]
    out += _table(["role", "seconds"], [[r["role"] or "(play tasks)", f"{r['seconds']:.2f}"] for r in run["time_per_role"]])
    return "\n".join(out).rstrip() + "\n"


def _check_name(check: Check) -> str:
    name = f"{check['role'] + ': ' if check['role'] else ''}{check['task']}"
    return f"{name} [{check['item']}]" if check.get("item") else name


def summary(run: RunReport, file_name: str) -> IndexEntry:
    """What INDEX.md needs of a run."""
    return {
        "id": run["id"],
        "file": file_name,
        "started_at": run["started_at"],
        "playbook": run["playbook"],
        "status": run["status"],
        "check_mode": bool(run.get("check_mode")),
        "limit": run.get("limit") or "",
        "runner_ident": run.get("runner_ident") or "",
        "duration_s": run["duration_s"],
        "changed": sum(r.get("changed", 0) for r in run["recap"].values()),
        "hosts": {h: [f"{c['role'] + ': ' if c['role'] else ''}{c['task']}" for c in run["changes"].get(h, [])] for h in host_order(run)},
    }


def index_markdown(entries: list[IndexEntry]) -> str:
    entries = sorted(entries, key=lambda e: (e["started_at"], e["id"]), reverse=True)
    out = ["# Orchestration journal", "", f"Newest first (the last {INDEX_ROWS} runs; every run stays in `runs/` and `index.json`). "
           "Written by the `nova.dgx.journal` callback.", ""]
    out += _table(["started (UTC)", "playbook", "status", "mode", "limit", "duration", "changed", "report"], [
        [e["started_at"], e["playbook"], e["status"], "check" if e["check_mode"] else "run", e["limit"] or "all",
         f"{e['duration_s']:.1f} s", e["changed"], f"[{e['file']}](runs/{e['file']})"]
        for e in entries[:INDEX_ROWS]
    ])
    out += ["## Trends per playbook", "", f"Oldest to newest, last {TREND_RUNS} runs.", ""]
    rows = []
    for playbook in sorted({e["playbook"] for e in entries}):
        recent = [e for e in entries if e["playbook"] == playbook][:TREND_RUNS][::-1]
        rows.append([playbook, " → ".join(f"{e['duration_s']:.1f}" for e in recent), " → ".join(str(e["changed"]) for e in recent)])
    out += _table(["playbook", "duration (s)", "changed"], rows)
    out += ["## Hosts: what changed since the previous run", "", "Check-mode runs predict and change nothing, so they are left out here.", ""]
    rows = []
    real = [e for e in entries if not e["check_mode"]]
    for host in sorted({h for e in real for h in e["hosts"]}):
        runs = [e for e in real if host in e["hosts"]]
        latest, previous = runs[0], runs[1] if len(runs) > 1 else None
        since = f"since {previous['started_at']}" if previous else "first run"
        rows.append([host, latest["started_at"], f"{latest['playbook']} ({since})", "; ".join(latest["hosts"][host]) or "nothing"])
    out += _table(["host", "last run", "playbook", "changed"], rows)
    return "\n".join(out).rstrip() + "\n"
