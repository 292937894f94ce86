# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run-to-run diff of the journal (``python -m nova_dgx journal diff [RUN] [RUN]``): per host, the tasks whose result
changed between two runs of the same playbook, and the checks whose verdict changed.

A task's result in a run is what the journal recorded for it on that host: ``failed`` (or ``unreachable``), ``changed``,
else ``ok`` (ran without a change, or did not run: the journal keeps no row for those)."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_store import Journal
from ansible_collections.nova.dgx.plugins.plugin_utils._journal_types import IndexEntry, RunReport, TaskRef


class DiffError(ValueError):
    """The runs asked for cannot be found or compared; the message names the fix."""


def _name(ref: TaskRef) -> str:
    return f"{ref['role']}: {ref['task']}" if ref["role"] else ref["task"]


def _results(report: RunReport) -> dict[str, dict[str, str]]:
    """Per host, per task: changed, failed or unreachable (tasks the journal has no row for are ok)."""
    results: dict[str, dict[str, str]] = {host: {} for host in report["recap"]}
    for host, changes in report["changes"].items():
        for change in changes:
            results.setdefault(host, {})[_name(change)] = "changed"
    for failure in report["failures"]:
        if not failure["ignored"]:
            results.setdefault(failure["host"], {})[_name(failure)] = "unreachable" if failure["unreachable"] else "failed"
    return results


def _checks(report: RunReport) -> dict[str, dict[str, tuple[str, str]]]:
    checks: dict[str, dict[str, tuple[str, str]]] = {}
    for check in report["checks"]:
        label = f"{_name(check)} [{check['item']}]" if check["item"] else _name(check)
        checks.setdefault(check["host"], {})[label] = (check["result"], check["detail"])
    return checks


def resolve(entries: list[IndexEntry], refs: list[str]) -> tuple[IndexEntry, IndexEntry]:
    """The two runs to compare, older first: two given (an id or a report file name), one given (and the run of the same
    playbook and mode before it), or none (the newest run and the one before it of the same playbook and mode)."""
    newest_first = sorted(entries, key=lambda e: (e["started_at"], e["id"]), reverse=True)

    def find(ref: str) -> IndexEntry:
        found = [e for e in newest_first if ref in (e["id"], e["file"], e["file"].removesuffix(".md"))]
        if not found:
            raise DiffError(f"no run {ref!r} in the journal: give a run's id or report name (python -m nova_dgx journal)")
        return found[0]

    if len(refs) > 2:
        raise DiffError(f"journal diff compares two runs, got {len(refs)}: {' '.join(refs)}")
    if len(refs) == 2:
        first, second = find(refs[0]), find(refs[1])
        return (first, second) if (first["started_at"], first["id"]) <= (second["started_at"], second["id"]) else (second, first)
    if not newest_first:
        raise DiffError("the journal has no runs yet")
    later = find(refs[0]) if refs else newest_first[0]
    earlier = [e for e in newest_first if e["playbook"] == later["playbook"] and e["check_mode"] == later["check_mode"]
               and (e["started_at"], e["id"]) < (later["started_at"], later["id"])]
    if not earlier:
        mode = "check-mode " if later["check_mode"] else ""
        raise DiffError(f"no {mode}run of {later['playbook']} before {later['id']} to compare it with")
    return earlier[0], later


def diff(journal: Journal, refs: list[str]) -> dict[str, t.Any]:
    """The difference between two runs: per host, tasks whose result changed and checks whose verdict changed."""
    before_entry, after_entry = resolve(journal.entries(), refs)
    if before_entry["playbook"] != after_entry["playbook"]:
        raise DiffError(f"{before_entry['id']} ran {before_entry['playbook']} and {after_entry['id']} ran {after_entry['playbook']}:"
                        " compare two runs of the same playbook")
    before, after = journal.report(before_entry), journal.report(after_entry)
    results = (_results(before), _results(after))
    checks = (_checks(before), _checks(after))
    hosts: dict[str, t.Any] = {}
    for host in sorted(set(before["recap"]) | set(after["recap"])):
        if host not in before["recap"] or host not in after["recap"]:
            hosts[host] = {"only_in": before_entry["id"] if host in before["recap"] else after_entry["id"], "tasks": [], "checks": []}
            continue
        old, new = results[0].get(host, {}), results[1].get(host, {})
        tasks = [{"task": task, "before": old.get(task, "ok"), "after": new.get(task, "ok")}
                 for task in sorted(set(old) | set(new)) if old.get(task, "ok") != new.get(task, "ok")]
        old_checks, new_checks = checks[0].get(host, {}), checks[1].get(host, {})
        verdicts = [{"check": name, "before": old_checks.get(name, ("absent", ""))[0], "after": new_checks.get(name, ("absent", ""))[0],
                     "detail": new_checks.get(name, old_checks.get(name, ("", "")))[1]}
                    for name in sorted(set(old_checks) | set(new_checks))
                    if old_checks.get(name, ("absent", ""))[0] != new_checks.get(name, ("absent", ""))[0]]
        if tasks or verdicts:
            hosts[host] = {"tasks": tasks, "checks": verdicts}
    runs = [{"id": e["id"], "started_at": e["started_at"], "status": e["status"], "mode": "check" if e["check_mode"] else "run",
             "limit": e["limit"] or "all", "report": e["file"]} for e in (before_entry, after_entry)]
    return {"playbook": after_entry["playbook"], "before": runs[0], "after": runs[1], "hosts": hosts}


def lines(result: dict[str, t.Any]) -> list[str]:
    """The diff for a person: one line per run, then per host its changed tasks and checks."""
    out = [f"{result['playbook']}: {side} {run['id']} {run['started_at']} {run['mode']} {run['status']} limit={run['limit']}"
           for side, run in (("before", result["before"]), ("after", result["after"]))]
    if not result["hosts"]:
        out.append("no task and no check changed its result")
    for host, found in result["hosts"].items():
        if "only_in" in found:
            out.append(f"{host}: only in run {found['only_in']}")
            continue
        out += [f"{host}: {row['task']}: {row['before']} -> {row['after']}" for row in found["tasks"]]
        out += [f"{host}: check {row['check']}: {row['before']} -> {row['after']} ({row['detail']})" for row in found["checks"]]
    return out
