# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run one playbook through ansible-runner and describe the outcome as plain data."""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time
import typing as t
import uuid

from nova_dgx import locks

JOURNAL_ENV = "NOVA_DGX_JOURNAL_DIR"
IDENT_ENV = "NOVA_DGX_RUNNER_IDENT"


@dataclasses.dataclass(frozen=True)
class Request:
    playbook: str
    limit: str = ""
    tags: str = ""
    check: bool = False
    extra_vars: tuple[str, ...] = ()
    inventory: str = ""
    wait: bool = False
    keep_artifacts: bool = False


class InputError(Exception):
    """Bad input; nothing ran."""


def project_root() -> pathlib.Path:
    """The repository: NOVA_DGX_PROJECT, else the nearest directory up from here with ansible.cfg and galaxy.yml."""
    if os.environ.get("NOVA_DGX_PROJECT"):
        return pathlib.Path(os.environ["NOVA_DGX_PROJECT"]).resolve()
    for start in (pathlib.Path.cwd(), pathlib.Path(__file__).resolve().parent):
        for directory in (start, *start.parents):
            if (directory / "ansible.cfg").is_file() and (directory / "galaxy.yml").is_file():
                return directory
    raise InputError("cannot find the nova.dgx repository; set NOVA_DGX_PROJECT to its path")


def journal_dir(root: pathlib.Path) -> pathlib.Path:
    return pathlib.Path(os.environ.get(JOURNAL_ENV) or root / "orchestration_journal")


def _environment(root: pathlib.Path, ident: str) -> dict[str, str]:
    bindir = str(pathlib.Path(sys.executable).parent)
    return {
        "ANSIBLE_CONFIG": str(root / "ansible.cfg"),
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
        JOURNAL_ENV: str(journal_dir(root).resolve()),
        IDENT_ENV: ident,
        "ANSIBLE_NOCOLOR": "1",
    }


def _validate(request: Request, root: pathlib.Path) -> tuple[pathlib.Path, list[str]]:
    playbook = (root / request.playbook).resolve() if not os.path.isabs(request.playbook) else pathlib.Path(request.playbook)
    if not playbook.is_file():
        raise InputError(f"playbook {request.playbook!r} not found (relative paths are taken from {root})")
    cmdline = []
    for value in request.extra_vars:
        if not value.startswith("@"):
            raise InputError(f"--extra-vars {value!r}: pass variables as @file (a YAML or JSON file), so they stay out of process lists and artifacts")
        path = pathlib.Path(value[1:]).expanduser().resolve()
        if not path.is_file():
            raise InputError(f"--extra-vars {value!r}: no such file")
        cmdline += ["-e", f"@{path}"]
    if request.check:
        cmdline.append("--check")
    return playbook, cmdline


def target_hosts(root: pathlib.Path, inventory: str, limit: str) -> list[str]:
    """Every inventory host the limit selects (all hosts without one): what the run may touch."""
    command = [str(pathlib.Path(sys.executable).parent / "ansible-inventory"), "--list"]
    if inventory:
        command += ["-i", inventory]
    if limit:
        command += ["--limit", limit]
    env = dict(os.environ, ANSIBLE_CONFIG=str(root / "ansible.cfg"))
    listing = subprocess.run(command, capture_output=True, text=True, check=False, cwd=root, env=env, timeout=300)
    if listing.returncode != 0:
        raise InputError(f"the inventory did not load: {listing.stderr.strip()[-2000:]}")
    return sorted(json.loads(listing.stdout).get("_meta", {}).get("hostvars", {}))


def journal_entries(root: pathlib.Path) -> list[dict[str, t.Any]]:
    """The journal's run summaries (its index.json), newest first; empty when there is no journal yet."""
    try:
        entries = json.loads((journal_dir(root) / "index.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    return sorted(entries, key=lambda e: (e["started_at"], e["id"]), reverse=True)


def _journal_entry(root: pathlib.Path, ident: str) -> dict[str, t.Any] | None:
    directory = journal_dir(root)
    try:
        entries = journal_entries(root)
    except ValueError:
        return None
    for entry in entries:
        if entry.get("runner_ident") == ident:
            report = json.loads((directory / "runs" / entry["file"]).with_suffix(".json").read_text(encoding="utf-8"))
            return {"path": str(directory / "runs" / entry["file"]), "report": report}
    return None


def run(request: Request) -> tuple[int, dict[str, t.Any]]:
    """Run the playbook; return (exit code, outcome). Exit codes: 0 ok, 2 failed, 3 hosts busy, 4 bad input."""
    started = time.monotonic()
    ident = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
    try:
        root = project_root()
        playbook, cmdline = _validate(request, root)
        hosts = target_hosts(root, request.inventory, request.limit)
    except InputError as exc:
        return 4, {"status": "error", "rc": 4, "error": str(exc), "ident": ident}
    if not hosts:
        return 4, {"status": "error", "rc": 4, "error": f"--limit {request.limit!r} matches no host", "ident": ident}
    runner_dir = root / ".runner"
    outcome: dict[str, t.Any] = {"ident": ident, "playbook": request.playbook, "limit": request.limit, "tags": request.tags,
                                 "check": request.check, "hosts": hosts}
    try:
        with locks.hold(runner_dir / "locks", hosts, ident, request.wait):
            import ansible_runner  # pylint: disable=import-outside-toplevel

            private = runner_dir / "runs" / ident
            private.mkdir(parents=True)
            kwargs: dict[str, t.Any] = {}
            if request.inventory:
                kwargs["inventory"] = str(pathlib.Path(request.inventory).resolve())
            result = ansible_runner.run(
                private_data_dir=str(private), project_dir=str(root), playbook=str(playbook), ident=ident,
                limit=request.limit or None, tags=request.tags or None, cmdline=" ".join(cmdline) or None,
                envvars=_environment(root, ident), quiet=True, suppress_env_files=True, **kwargs,
            )
            artifacts = private / "artifacts" / ident
            outcome.update(status=result.status, rc=result.rc, artifacts=str(artifacts))
            if not request.keep_artifacts:
                # Raw events and stdout hold task output that the journal masks; they do not stay on disk.
                shutil.rmtree(artifacts / "job_events", ignore_errors=True)
                (artifacts / "stdout").unlink(missing_ok=True)
    except locks.HostsBusy as busy:
        outcome.update(status="busy", rc=3, error=f"hosts in use by another run: {', '.join(sorted(busy.busy))}", busy=busy.busy)
        return 3, outcome | {"duration_s": round(time.monotonic() - started, 3)}
    entry = _journal_entry(root, ident)
    if entry:
        report = entry["report"]
        outcome.update(
            stats=report["recap"],
            failed_tasks=[f for f in report["failures"] if not f["ignored"]],
            journal_report=entry["path"],
        )
    else:
        outcome.update(stats=getattr(result, "stats", None) or {}, failed_tasks=[], journal_report=None)
    outcome["duration_s"] = round(time.monotonic() - started, 3)
    return (0 if outcome["status"] == "successful" else 2), outcome
