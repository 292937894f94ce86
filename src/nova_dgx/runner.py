# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run one playbook through ansible-runner and describe the outcome as plain data."""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
import typing as t
import uuid

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_store import CorruptIndex, Journal
from ansible_collections.nova.dgx.plugins.plugin_utils._journal_types import Failure, IndexEntry, Recap, RunReport

from nova_dgx import locks

JOURNAL_ENV = "NOVA_DGX_JOURNAL_DIR"
IDENT_ENV = "NOVA_DGX_RUNNER_IDENT"
# A control node's own settings for every run (its account, key, known hosts: roles/n8n), before the request's.
EXTRA_VARS_ENV = "NOVA_DGX_EXTRA_VARS"


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


def bad_input(error: str, playbook: str | None = None, limit: str | None = None) -> dict[str, t.Any]:
    """The outcome for bad input (exit code 4): nothing ran."""
    return {"status": "error", "rc": 4, "error": error, "playbook": playbook, "limit": limit}


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
    site = [f"@{os.environ[EXTRA_VARS_ENV]}"] if os.environ.get(EXTRA_VARS_ENV) else []
    for value in site + list(request.extra_vars):
        if not value.startswith("@"):
            # The value is not quoted back: it may be a secret typed inline.
            raise InputError("--extra-vars: an inline value was refused (not repeated here); pass variables as @file "
                             "(a YAML or JSON file), so they stay out of process lists and artifacts")
        path = pathlib.Path(value[1:]).expanduser().resolve()
        if not path.is_file():
            raise InputError(f"{EXTRA_VARS_ENV} names {value[1:]!r}: no such file" if value in site else f"--extra-vars {value!r}: no such file")
        cmdline += ["-e", f"@{path}"]
    if request.check:
        cmdline.append("--check")
    return playbook, cmdline


# Ansible's warning for each comma-separated part of a limit that matches no host; it then runs on the rest.
_UNMATCHED = re.compile(r"Could not match supplied host pattern, ignoring: (?P<pattern>\S+)")


def _inventory(root: pathlib.Path, inventory: str, limit: str) -> subprocess.CompletedProcess[str]:
    command = [str(pathlib.Path(sys.executable).parent / "ansible-inventory"), "--list"]
    if inventory:
        command += ["-i", inventory]
    if limit:
        command += ["--limit", limit]
    env = dict(os.environ, ANSIBLE_CONFIG=str(root / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=root, env=env, timeout=300)


def target_hosts(root: pathlib.Path, inventory: str, limit: str) -> list[str]:
    """Every inventory host the limit selects (all hosts without one): what the run may touch.

    A limit with a part that matches no host is refused: Ansible would warn and run on the
    hosts the other parts match, which is not the run that was asked for.
    """
    listing = _inventory(root, inventory, limit)
    if listing.returncode != 0:
        if limit and _inventory(root, inventory, "").returncode == 0:
            raise InputError(f"bad --limit {limit!r}: {_last_error(listing.stderr)}")
        raise InputError(f"the inventory did not load: {listing.stderr.strip()[-2000:]}")
    hosts = sorted(json.loads(listing.stdout).get("_meta", {}).get("hostvars", {}))
    unmatched = list(dict.fromkeys(m["pattern"] for m in _UNMATCHED.finditer(listing.stderr)))
    if limit and not hosts:
        raise InputError(f"--limit {limit!r} matches no host; nothing ran")
    if unmatched:
        raise InputError(f"--limit {limit!r}: {', '.join(map(repr, unmatched))} matches no host, so Ansible would run on "
                         f"the other hosts only ({', '.join(hosts)}); nothing ran. Fix or remove that part of the limit")
    return hosts


def _last_error(stderr: str) -> str:
    """Ansible's own error line, without the traceback-like context around it."""
    errors = [line.removeprefix("[ERROR]:").strip() for line in stderr.splitlines() if line.startswith("[ERROR]")]
    return (errors[-1] if errors else stderr.strip())[-2000:]


def journal_entries(root: pathlib.Path) -> list[IndexEntry]:
    """The journal's run summaries (its index.json), newest first; empty when there is no journal yet.

    Raises CorruptIndex (a ValueError) when index.json is not a list of run summaries.
    """
    entries = Journal(journal_dir(root)).entries()
    return sorted(entries, key=lambda e: (e["started_at"], e["id"]), reverse=True)


def _journal_entry(root: pathlib.Path, ident: str) -> tuple[pathlib.Path, RunReport] | None:
    """This run's report and its path, found by the runner's ident; None when the journal has no such run."""
    journal = Journal(journal_dir(root))
    try:
        entries = journal.entries()
    except CorruptIndex:
        return None
    for entry in entries:
        if entry["runner_ident"] == ident:
            return journal.runs / entry["file"], journal.report(entry)
    return None


def first_failure(failures: list[Failure]) -> str:
    """One line for an orchestrator: the first failure's host, task and the first line of its message."""
    if not failures:
        return ""
    first = failures[0]
    message = (first["message"].strip().splitlines() or [""])[0]
    more = f" (and {len(failures) - 1} more failed tasks)" if len(failures) > 1 else ""
    return f"{first['host']}: {first['role'] + ': ' if first['role'] else ''}{first['task']}: {message}{more}"


def run(request: Request) -> tuple[int, dict[str, t.Any]]:
    """Run the playbook; return (exit code, outcome). Exit codes: 0 ok, 2 failed, 3 hosts busy, 4 bad input."""
    started = time.monotonic()
    ident = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
    try:
        root = project_root()
        playbook, cmdline = _validate(request, root)
        hosts = target_hosts(root, request.inventory, request.limit)
    except InputError as exc:
        return 4, bad_input(str(exc), request.playbook, request.limit) | {"ident": ident}
    if not hosts:
        return 4, bad_input("the inventory has no hosts", request.playbook, request.limit) | {"ident": ident}
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
            # ansible-runner's `command` holds the whole process environment (a VAULT_TOKEN on the
            # controller would be in it): it never stays, whatever keep_artifacts says.
            (artifacts / "command").unlink(missing_ok=True)
            if not request.keep_artifacts:
                # Raw events and stdout hold task output that the journal masks; they do not stay on disk.
                shutil.rmtree(artifacts / "job_events", ignore_errors=True)
                (artifacts / "stdout").unlink(missing_ok=True)
    except locks.HostsBusy as busy:
        outcome.update(status="busy", rc=3, error=f"hosts in use by another run: {', '.join(sorted(busy.busy))}", busy=busy.busy)
        return 3, outcome | {"duration_s": round(time.monotonic() - started, 3)}
    entry = _journal_entry(root, ident)
    stats: dict[str, Recap]
    failed: list[Failure]
    if entry:
        path, report = entry
        stats, failed = report["recap"], [f for f in report["failures"] if not f["ignored"]]
        outcome.update(stats=stats, failed_tasks=failed, journal_report=str(path))
    else:
        stats, failed = getattr(result, "stats", None) or {}, []
        outcome.update(stats=stats, failed_tasks=failed, journal_report=None)
    if outcome["status"] != "successful":
        outcome["error"] = first_failure(failed) or f"ansible-runner ended with status {outcome['status']}, rc {outcome['rc']}"
    outcome["duration_s"] = round(time.monotonic() - started, 3)
    from nova_dgx import run_metrics  # pylint: disable=import-outside-toplevel  # it reads the journal through summary, which imports this

    metrics = run_metrics.maybe_write(journal_dir(root))
    if metrics:
        outcome["metrics"] = str(metrics)
    return (0 if outcome["status"] == "successful" else 2), outcome
