# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What one playbook run did, recorded cheaply while it runs and turned into plain data at the end.

The recorder does as little as possible per event (a dict lookup, a few appends); diffs,
masking and sorting happen once, in ``to_dict``.
"""

from __future__ import annotations

import dataclasses
import difflib
import time
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._checks import CHECK_ACTIONS, DETAIL_LIMIT
from ansible_collections.nova.dgx.plugins.plugin_utils._journal_mask import MASK, Masker
from ansible_collections.nova.dgx.plugins.plugin_utils._journal_types import Change, Failure, RoleTime, RunReport, TaskRef

RECAP_FIELDS = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
_TEXT_LIMIT = 4000


@dataclasses.dataclass
class _Task:
    name: str
    role: str
    checks: bool  # a nova.dgx.checks task: its result holds the rows
    started: float
    duration: float = 0.0


@dataclasses.dataclass
class _Check:
    task: str  # uuid
    host: str
    result: str  # pass, fail or skipped
    item: str = ""
    detail: str = ""


_CHECK_RESULT = {"failed": "fail", "unreachable": "fail", "skipped": "skipped"}


def _check_rows(result: dict[str, t.Any], outcome: str) -> list[tuple[str, str, str]]:
    """(check name, result, detail) for each check a nova.dgx.checks result reports.

    A task skipped as a whole (check mode, a false ``when``) has no rows; one that failed before
    judging its checks (a malformed list, an unreachable host) is one failed row with its message.
    """
    hidden = bool(result.get("censored") or result.get("_ansible_no_log"))
    rows = result.get("checks")
    if isinstance(rows, list) and rows:
        return [(str(r.get("name", "")), str(r.get("result", "fail")), "" if hidden else str(r.get("detail", "")))
                for r in rows if isinstance(r, dict)]
    if outcome == "skipped":
        return []
    message = "" if hidden else " ".join(str(result.get("msg") or "").split())[:DETAIL_LIMIT]
    return [("", _CHECK_RESULT.get(outcome, "pass"), message)]


@dataclasses.dataclass
class RunRecord:
    run_id: str
    started_at: str
    meta: dict[str, t.Any]
    clock: t.Callable[[], float] = time.monotonic
    status: str = "running"
    tasks: dict[str, _Task] = dataclasses.field(default_factory=dict)
    changes: list[tuple[str, str, t.Any]] = dataclasses.field(default_factory=list)
    failures: list[dict[str, t.Any]] = dataclasses.field(default_factory=list)
    checks: list[_Check] = dataclasses.field(default_factory=list)
    _itemised: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    recap: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    finished: float | None = None
    secret_values: set[str] = dataclasses.field(default_factory=set)
    # (task uuid, host, start, end, outcome) per result, seconds from the run's start: the timeline.
    bars: list[tuple[str, str, float, float, str]] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        self._t0 = self.clock()

    def learn_secrets(self, variables: t.Any) -> None:
        """Remember values of secret-looking variables (extra vars, play vars) to scrub them anywhere."""
        masker = Masker()
        masker.data(variables)
        self.secret_values |= {v for v in masker.secrets if "{{" not in v}

    def learn_data_secrets(self, data: t.Any) -> None:
        """Remember secrets found by name or as !vault values in data (host variables, a task's
        result, facts set with set_fact), without reading free text."""
        masker = Masker()
        masker.learn(data)
        self.secret_values |= {v for v in masker.secrets if "{{" not in v}

    def learn_values(self, values: t.Iterable[t.Any]) -> None:
        """Remember values known to be secret whatever they look like (what nova.dgx.secret read)."""
        self.secret_values |= {str(v) for v in values if v is not None and str(v) and str(v) != MASK}

    def task_start(self, uuid: str, name: str, role: str, action: str) -> None:
        self.tasks[uuid] = _Task(name=name, role=role, checks=action in CHECK_ACTIONS, started=self.clock())

    def result(self, uuid: str, host: str, outcome: str, result: dict[str, t.Any], ignored: bool = False) -> None:
        """outcome: ok, changed, failed, skipped or unreachable."""
        task = self.tasks.get(uuid)
        if task is None:
            return
        now = self.clock()
        task.duration = max(task.duration, now - task.started)
        self.bars.append((uuid, host, task.started - self._t0, now - self._t0, outcome))
        if outcome == "changed":
            self.changes.append((host, uuid, result.get("diff")))
        elif outcome in ("failed", "unreachable"):
            self.failures.append({"host": host, "task": uuid, "unreachable": outcome == "unreachable",
                                  "ignored": bool(ignored), "result": result})
        # A looped checks task was recorded item by item; its summary result adds nothing.
        if task.checks and (uuid, host) not in self._itemised:
            self.checks.extend(_Check(uuid, host, res, item=name, detail=detail) for name, res, detail in _check_rows(result, outcome))

    def item_result(self, uuid: str, host: str, label: str, outcome: str, result: dict[str, t.Any]) -> None:
        """One loop item of a nova.dgx.checks task: a row per check, named by the check (or the item, when it failed whole)."""
        task = self.tasks.get(uuid)
        if task is None or not task.checks:
            return
        self._itemised.add((uuid, host))
        self.checks.extend(_Check(uuid, host, res, item=name or label, detail=detail)
                           for name, res, detail in _check_rows(result, outcome))

    def finish(self, recap: dict[str, dict[str, int]]) -> None:
        self.recap = recap
        failed = any(r.get("failed", 0) or r.get("unreachable", 0) for r in recap.values())
        self.status = "failed" if failed else "ok"
        self.finished = self.clock()

    def interrupt(self) -> None:
        self.status = "interrupted"
        self.finished = self.clock()

    # -- turning the record into data -------------------------------------------------

    def _task_ref(self, uuid: str) -> TaskRef:
        task = self.tasks[uuid]
        return {"task": task.name, "role": task.role}

    def to_dict(self) -> RunReport:
        masker = Masker()
        masker.secrets |= self.secret_values
        meta = masker.scrub(self.meta)
        failures = [self._failure(f, masker) for f in self.failures]
        changes: dict[str, list[Change]] = {}
        for host, uuid, diff in self.changes:
            entry: Change = {**self._task_ref(uuid)}
            text = _diff_text(diff)
            if text:
                entry["diff"] = text
            changes.setdefault(host, []).append(entry)
        duration = (self.finished if self.finished is not None else self.clock()) - self._t0
        run: dict[str, t.Any] = {
            "id": self.run_id,
            "started_at": self.started_at,
            "duration_s": round(duration, 3),
            "status": self.status,
            **meta,
            "recap": {h: {k: self.recap[h].get(k, 0) for k in RECAP_FIELDS} for h in self.recap},
            "changes": changes,
            "failures": failures,
            "checks": [{**self._task_ref(c.task), "host": c.host, "result": c.result, "item": c.item, "detail": c.detail} for c in self.checks],
            "slowest_tasks": [
                {"task": task.name, "role": task.role, "seconds": round(task.duration, 3)}
                for task in sorted(self.tasks.values(), key=lambda x: (-x.duration, x.name))[:10]
            ],
            "time_per_role": self._time_per_role(),
            "timeline": [{**self._task_ref(uuid), "host": host, "start_s": round(start, 3), "end_s": round(end, 3), "result": outcome}
                         for uuid, host, start, end, outcome in self.bars],
        }
        # Second pass: secrets learnt anywhere are scrubbed from every string.
        masker.scrub(run)  # learn every secret first ...
        return t.cast(RunReport, masker.scrub(run))  # ... then remove them all, wherever they were seen first

    def _failure(self, failure: dict[str, t.Any], masker: Masker) -> Failure:
        result = failure["result"]
        if result.get("censored") or result.get("_ansible_no_log"):
            message = "(output hidden by no_log)"
        else:
            masked = masker.data({k: v for k, v in result.items() if not k.startswith("_ansible")})
            parts = [str(masked.get("msg") or "").strip()]
            if masked.get("rc") not in (None, 0):
                parts.append(f"rc={masked['rc']}")
            for stream in ("stderr", "stdout"):
                if masked.get(stream) and not masked.get("msg"):
                    parts.append(str(masked[stream]).strip())
            message = " ".join(p for p in parts if p) or "failed"
        return {"host": failure["host"], **self._task_ref(failure["task"]), "message": message[:_TEXT_LIMIT],
                "unreachable": failure["unreachable"], "ignored": failure["ignored"]}

    def _time_per_role(self) -> list[RoleTime]:
        totals: dict[str, float] = {}
        for task in self.tasks.values():
            totals[task.role] = totals.get(task.role, 0.0) + task.duration
        return [{"role": role, "seconds": round(sec, 3)} for role, sec in sorted(totals.items(), key=lambda x: (-x[1], x[0]))]


def _diff_text(diff: t.Any) -> str:
    """Ansible's diff (a dict or a list of dicts) as unified-diff text."""
    if not diff:
        return ""
    parts = []
    for item in diff if isinstance(diff, list) else [diff]:
        if not isinstance(item, dict):
            continue
        if item.get("prepared"):
            parts.append(str(item["prepared"]))
            continue
        before, after = item.get("before", ""), item.get("after", "")
        if isinstance(before, dict) or isinstance(after, dict):
            before, after = _kv(before), _kv(after)
        lines = difflib.unified_diff(
            str(before or "").splitlines(), str(after or "").splitlines(),
            str(item.get("before_header", "before")), str(item.get("after_header", "after")), lineterm="",
        )
        parts.append("\n".join(lines))
    return "\n".join(p for p in parts if p)[:_TEXT_LIMIT]


def _kv(value: t.Any) -> str:
    if not isinstance(value, dict):
        return str(value or "")
    return "\n".join(f"{k}: {value[k]}" for k in sorted(value))
