# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The journal's data on disk, named once: a run's report (``runs/*.json``) and an ``index.json`` entry.

The journal callback writes these shapes and ``python -m nova_dgx`` reads them; both import
them from here, so a key renamed on one side is a type error on the other.
"""

from __future__ import annotations

import typing as t

__all__ = [
    "Change",
    "Check",
    "Failure",
    "INDEX_ENTRY_KEYS",
    "IndexEntry",
    "Recap",
    "RoleTime",
    "RunMeta",
    "RunReport",
    "TaskRef",
    "TaskTime",
    "TimelineBar",
]


class Recap(t.TypedDict):
    """One host's counts, exactly as Ansible's PLAY RECAP counts them."""

    ok: int
    changed: int
    unreachable: int
    failed: int
    skipped: int
    rescued: int
    ignored: int


class TaskRef(t.TypedDict):
    task: str
    role: str  # empty for play tasks


class Change(TaskRef, total=False):
    diff: str  # unified diff, only where Ansible produced one


class Failure(TaskRef):
    host: str
    message: str  # masked, at most a few thousand characters
    unreachable: bool
    ignored: bool


class Check(TaskRef):
    host: str
    result: t.Literal["pass", "fail", "skipped"]
    item: str  # the loop item's label, empty for a task without a loop
    detail: str


class TaskTime(TaskRef):
    seconds: float


class TimelineBar(TaskRef):
    """One task's result on one host: when the task started and when this host's result came, in seconds from the
    run's start (the timeline picture draws one bar per entry)."""

    host: str
    start_s: float
    end_s: float
    result: t.Literal["ok", "changed", "failed", "skipped", "unreachable"]


class RoleTime(t.TypedDict):
    role: str
    seconds: float


class RunMeta(t.TypedDict):
    """What the callback knows when the playbook starts."""

    playbook: str
    limit: str
    tags: list[str]
    skip_tags: list[str]
    check_mode: bool
    diff_mode: bool
    commit: str
    ansible_core: str
    started_by: str
    runner_ident: str  # NOVA_DGX_RUNNER_IDENT when the runner started the run, else empty


class RunReport(RunMeta):
    """``runs/<UTC time>-<playbook>-<id>.json``."""

    id: str
    started_at: str  # UTC, 2026-01-31T12:00:00Z
    duration_s: float
    status: t.Literal["running", "ok", "failed", "interrupted"]
    recap: dict[str, Recap]
    changes: dict[str, list[Change]]
    failures: list[Failure]
    checks: list[Check]
    slowest_tasks: list[TaskTime]
    time_per_role: list[RoleTime]
    timeline: t.NotRequired[list[TimelineBar]]  # reports written before the timeline have none


class IndexEntry(t.TypedDict):
    """One run in ``index.json`` (a JSON list of these): what INDEX.md and ``python -m nova_dgx journal`` need."""

    id: str
    file: str  # the Markdown report's name under runs/; the .json has the same stem
    started_at: str
    playbook: str
    status: str
    check_mode: bool
    limit: str
    runner_ident: str
    duration_s: float
    changed: int
    hosts: dict[str, list[str]]  # per host, the tasks that changed ("role: task")


INDEX_ENTRY_KEYS: frozenset[str] = frozenset(IndexEntry.__required_keys__)
