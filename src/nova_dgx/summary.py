# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The platform's status from the journal (``python -m nova_dgx summary``): per playbook its last runs, per host what its
last real run changed and whether a later check-mode run predicted changes (drift), the failed runs with their first
error, and the latest readiness result. A dict for machines (JSON) and Markdown for the journal."""

from __future__ import annotations

import pathlib
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_store import Journal
from ansible_collections.nova.dgx.plugins.plugin_utils._journal_types import IndexEntry, RunReport

from nova_dgx import runner

# How far back the per-host view reads reports (newest first): enough for a fleet's recent history.
DEPTH = 500


def _run_row(entry: IndexEntry, report: RunReport | None, runs: pathlib.Path) -> dict[str, t.Any]:
    return {"id": entry["id"], "started_at": entry["started_at"], "playbook": entry["playbook"], "limit": entry["limit"] or "all",
            "mode": "check" if entry["check_mode"] else "run", "status": entry["status"], "changed": entry["changed"],
            "duration_s": entry["duration_s"], "started_by": report["started_by"] if report else "?",
            "first_error": runner.first_failure(report["failures"]) if report and entry["status"] == "failed" else "",
            "report": str(runs / entry["file"])}


def _reader(journal: Journal) -> t.Callable[[IndexEntry], RunReport | None]:
    cache: dict[str, RunReport | None] = {}

    def read(entry: IndexEntry) -> RunReport | None:
        if entry["id"] not in cache:
            try:
                cache[entry["id"]] = journal.report(entry)
            except (OSError, ValueError):
                cache[entry["id"]] = None
        return cache[entry["id"]]

    return read


def _hosts(entries: list[IndexEntry], read: t.Callable[[IndexEntry], RunReport | None]) -> dict[str, dict[str, t.Any]]:
    """Per host, newest first: its last real run (what it changed) and any check-mode run after it that predicted changes."""
    hosts: dict[str, dict[str, t.Any]] = {}
    for entry in entries[:DEPTH]:
        report = read(entry)
        if report is None or report["status"] == "running":
            continue
        for host, recap in report["recap"].items():
            seen = hosts.setdefault(host, {"last_run": None, "drift": None})
            if seen["last_run"] is not None:
                continue
            if entry["check_mode"]:
                if seen["drift"] is None and recap["changed"] > 0:
                    seen["drift"] = {"id": entry["id"], "started_at": entry["started_at"], "playbook": entry["playbook"],
                                     "predicted_changes": recap["changed"],
                                     "tasks": [f"{c['role'] + ': ' if c['role'] else ''}{c['task']}" for c in report["changes"].get(host, [])]}
                continue
            seen["last_run"] = {"id": entry["id"], "started_at": entry["started_at"], "playbook": entry["playbook"],
                                "status": entry["status"], "changed": recap["changed"], "failed": recap["failed"] + recap["unreachable"],
                                "tasks": [f"{c['role'] + ': ' if c['role'] else ''}{c['task']}" for c in report["changes"].get(host, [])]}
    return dict(sorted(hosts.items()))


def build(directory: pathlib.Path, limit: int = 5) -> dict[str, t.Any]:
    """The summary of the journal in ``directory``; raises CorruptIndex (a ValueError) on an unreadable index."""
    journal = Journal(directory)
    entries = sorted(journal.entries(), key=lambda e: (e["started_at"], e["id"]), reverse=True)
    read = _reader(journal)
    playbooks: dict[str, list[dict[str, t.Any]]] = {}
    for entry in entries:
        rows = playbooks.setdefault(entry["playbook"], [])
        if len(rows) < limit:
            rows.append(_run_row(entry, read(entry), journal.runs))
    failed = [_run_row(entry, read(entry), journal.runs) for entry in entries if entry["status"] == "failed"][:limit]
    readiness = next((entry for entry in entries if pathlib.Path(entry["playbook"]).stem == "readiness" and not entry["check_mode"]), None)
    hosts = _hosts(entries, read)
    return {"journal": str(directory), "runs": len(entries), "latest": entries[0]["started_at"] if entries else "",
            "playbooks": dict(sorted(playbooks.items())), "hosts": hosts,
            "drift": sorted(host for host, seen in hosts.items() if seen["drift"]), "failed": failed,
            "readiness": _run_row(readiness, read(readiness), journal.runs) if readiness else None}


def _cell(text: t.Any) -> str:
    return str(text).replace("|", "/").replace("\n", " ")


def markdown(summary: dict[str, t.Any]) -> str:
    """The summary as a Markdown page for the journal."""
    lines = ["# Platform status", "", f"From `{summary['journal']}`: {summary['runs']} run(s), the latest {summary['latest'] or 'never'}.", ""]
    readiness = summary["readiness"]
    lines += ["## Readiness", "", (f"Latest: **{readiness['status']}** at {readiness['started_at']} ({readiness['report']})" if readiness
                                   else "No readiness run in the journal yet (playbooks/readiness.yml)."), ""]
    lines += ["## Drift", ""]
    lines += ([f"- **{host}**: {summary['hosts'][host]['drift']['predicted_changes']} change(s) predicted by the check run of"
               f" {summary['hosts'][host]['drift']['started_at']} ({summary['hosts'][host]['drift']['playbook']}): "
               + (", ".join(summary["hosts"][host]["drift"]["tasks"][:8]) or "see its report") for host in summary["drift"]]
              or ["No host drifted: no check-mode run since a host's last real run predicted a change."])
    lines += ["", "## Hosts", "", "| host | last real run | status | changed | what changed |", "| --- | --- | --- | --- | --- |"]
    for host, seen in summary["hosts"].items():
        run = seen["last_run"]
        lines.append(f"| {host} | " + (f"{run['started_at']} {_cell(run['playbook'])} | {run['status']} | {run['changed']} | "
                                       f"{_cell(', '.join(run['tasks'][:6]) or '-')}{' ...' if len(run['tasks']) > 6 else ''} |"
                                       if run else "none (only check-mode runs) | | | |"))
    lines += ["", "## Playbooks", ""]
    for playbook, rows in summary["playbooks"].items():
        lines += [f"### {playbook}", "", "| when | who | limit | mode | result | changed | first error |", "| --- | --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {r['started_at']} | {_cell(r['started_by'])} | {_cell(r['limit'])} | {r['mode']} | {r['status']} | {r['changed']} |"
                  f" {_cell(r['first_error']) or '-'} |" for r in rows]
        lines.append("")
    lines += ["## Failed runs", ""]
    lines += ([f"- {r['started_at']} {r['playbook']} (limit {r['limit']}): {r['first_error'] or 'no failure recorded'} ({r['report']})"
               for r in summary["failed"]] or ["None."])
    return "\n".join(lines) + "\n"
