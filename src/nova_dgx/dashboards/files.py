# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The generated dashboard files: <uid>.json each, written, or compared with what the code generates."""

from __future__ import annotations

import json
import pathlib
import typing as t

from nova_dgx import dashboards


def render(dashboard: dashboards.Dashboard) -> str:
    """The file's text: stable (sorted keys, two-space indent), with a trailing newline."""
    return json.dumps(dashboard, indent=2, sort_keys=True) + "\n"


def expected() -> dict[str, str]:
    """File name -> text, for every dashboard."""
    return {f"{uid}.json": render(dashboard) for uid, dashboard in dashboards.build_all().items()}


def write(directory: pathlib.Path) -> list[pathlib.Path]:
    """Write every dashboard into directory (made if missing); return the files, in order."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in expected().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def check(directory: pathlib.Path) -> dict[str, list[str]]:
    """The files that are missing, that differ from the code's, and the *.json the code does not generate."""
    wanted = expected()
    problems: dict[str, list[str]] = {"missing": [], "differs": [], "unexpected": []}
    for name, text in wanted.items():
        path = directory / name
        if not path.is_file():
            problems["missing"].append(str(path))
        elif path.read_text(encoding="utf-8") != text:
            problems["differs"].append(str(path))
    if directory.is_dir():
        problems["unexpected"] = sorted(str(path) for path in directory.glob("*.json") if path.name not in wanted)
    return problems


def metric_report() -> dict[str, list[str]]:
    """uid -> the sorted metric names the dashboard reads."""
    return {uid: sorted(dashboards.metrics(dashboard)) for uid, dashboard in dashboards.build_all().items()}


def main(write_to: str | None, check_in: str | None, show_metrics: bool, out: t.TextIO, err: t.TextIO) -> int:
    """The CLI's work: exactly one of write_to, check_in, show_metrics; one JSON object on out."""
    if show_metrics:
        print(json.dumps(metric_report(), indent=2, sort_keys=True), file=out)
        return 0
    if write_to is not None:
        written = write(pathlib.Path(write_to))
        print(json.dumps({"status": "ok", "written": [str(path) for path in written]}, sort_keys=True), file=out)
        return 0
    assert check_in is not None
    problems = check(pathlib.Path(check_in))
    stale = any(problems.values())
    hints = {"missing": f"regenerate: python -m nova_dgx dashboards --write {check_in}",
             "differs": f"edited by hand or stale; regenerate: python -m nova_dgx dashboards --write {check_in}",
             "unexpected": "no dashboard in src/nova_dgx/dashboards generates it: remove it"}
    for kind, paths in problems.items():
        for path in paths:
            print(f"{path}: {kind} ({hints[kind]})", file=err)
    print(json.dumps({"status": "stale" if stale else "ok", **problems}, sort_keys=True), file=out)
    return 1 if stale else 0
