# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

DOCUMENTATION = r"""
name: journal
type: notification
short_description: Write every run's report into the orchestration journal
version_added: 0.1.0
author:
  - nova.dgx platform team (@nova-dgx)
description:
  - Writes one report per playbook run to C(<journal>/runs/<UTC time>-<playbook>-<id>.md), readable in
    git, and the same content as C(.json); keeps C(<journal>/INDEX.md), newest first, with each
    playbook's trend of duration and changed count and, per host, what its latest run changed.
  - A report holds the playbook, limit, tags, check and diff mode, the repository's git commit, the
    ansible-core version, who started the run (command line, Molecule scenario and step, or
    ansible-runner ident), the per-host recap exactly as Ansible counts it, per host the tasks that
    changed with their diff where Ansible produced one, failures with their message, the ten slowest
    tasks, the time per role, and a pass/fail/skipped row for each check reported through
    C(nova.dgx.checks) (probes and other tasks are never rows).
  - Never writes a secret. Results of C(no_log) tasks are never read; values under keys that look
    secret (password, token, secret, private_key, api_key, *_key, psk, ...) are masked, and so is every
    other occurrence of those values, and C(key=value) secrets, URL passwords, bearer tokens and
    netrc passwords inside text and diffs.
  - Learns secret values before they show up, from extra vars, play vars, each play host's
    variables (group_vars, host_vars, vars_files, inventory) and every task result (a token set with
    C(set_fact) or returned by a module), by name, and every C(!vault) value whatever its name.
  - Never breaks or stalls a run. Its own errors become one warning; files are written atomically;
    concurrent runs serialise on a lock for C(INDEX.md) only; a run stopped by SIGINT or SIGTERM still
    leaves a report marked interrupted.
  - A notification callback, not a stdout callback; enable it by name with O(ignore:callbacks_enabled).
requirements:
  - Enabled in C(ansible.cfg) (C(callbacks_enabled = nova.dgx.journal)) or C(ANSIBLE_CALLBACKS_ENABLED).
options:
  journal_dir:
    description:
      - The journal directory. A relative path is taken from the current working directory.
    type: path
    default: orchestration_journal
    env:
      - name: NOVA_DGX_JOURNAL_DIR
    ini:
      - section: callback_journal
        key: journal_dir
"""

EXAMPLES = r"""
# ansible.cfg
# [defaults]
# callbacks_enabled = nova.dgx.journal
# [callback_journal]
# journal_dir = orchestration_journal

# One run, its report somewhere else:
# NOVA_DGX_JOURNAL_DIR=/srv/journal ansible-playbook site.yml -l dgx
"""

import functools
import getpass
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import typing as t
import uuid

from ansible import context
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.callback import CallbackBase
from ansible.release import __version__ as ansible_core_version

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_argspec import argument_spec_failure
from ansible_collections.nova.dgx.plugins.plugin_utils._journal_mask import SECRET_KEY
from ansible_collections.nova.dgx.plugins.plugin_utils._journal_record import RunRecord
from ansible_collections.nova.dgx.plugins.plugin_utils._journal_store import Journal

RUNNER_IDENT_ENV = "NOVA_DGX_RUNNER_IDENT"


def _guarded(method: t.Callable[..., None]) -> t.Callable[..., None]:
    """The journal's own errors turn into one warning and switch it off; the run goes on."""

    @functools.wraps(method)
    def wrapper(self: CallbackModule, *args: t.Any, **kwargs: t.Any) -> None:
        if self._disabled:
            return
        try:
            method(self, *args, **kwargs)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            self._disabled = True
            self._display.warning(f"nova.dgx.journal: disabled for this run after an error in {method.__name__}: {exc!r}")

    return wrapper


def _git_commit(directory: str) -> str:
    try:
        head = subprocess.run(["git", "-C", directory, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, timeout=5, check=False)
        if head.returncode != 0:
            return ""
        dirty = subprocess.run(["git", "-C", directory, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=False)
        return head.stdout.strip() + (" (uncommitted changes)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return ""


_MAGIC = frozenset({"hostvars", "groups", "group_names", "inventory_hostname", "inventory_hostname_short", "inventory_dir",
                    "inventory_file", "playbook_dir", "play_hosts", "ansible_play_hosts", "omit", "role_names", "environment",
                    "vars"})


def _host_variables(variables: dict[str, t.Any]) -> dict[str, t.Any]:
    """A host's variables without gathered facts and Ansible's own magic variables, which name
    nothing secret but would be read for every host."""
    return {k: v for k, v in variables.items()
            if k not in _MAGIC and not (k.startswith("ansible_") and not SECRET_KEY.search(k))}


SECRET_ACTIONS = frozenset({"nova.dgx.secret"})


def _secret_values(registered: t.Any) -> list[t.Any]:
    """The values in a registered nova.dgx.secret result (one task, or each item of a loop)."""
    if not isinstance(registered, dict):
        return []
    results = registered.get("results")
    items = results if isinstance(results, list) else [registered]
    return [item.get("secret") for item in items if isinstance(item, dict) and item.get("secret")]


def _command_line() -> str:
    """argv with extra-vars values hidden (a file reference stays)."""
    words, hide = [], False
    for word in sys.argv:
        if hide:
            words.append(word if word.startswith("@") else "<hidden>")
            hide = False
            continue
        if word in ("-e", "--extra-vars"):
            hide = True
        elif word.startswith("--extra-vars=") and not word.startswith("--extra-vars=@"):
            word = "--extra-vars=<hidden>"
        elif word.startswith("-e") and not word.startswith(("-e@", "--")):
            word = "-e<hidden>"  # -eVALUE, the value joined to the flag
        words.append(word)
    return " ".join([os.path.basename(words[0]), *words[1:]]) if words else ""


def _started_by(playbook: str) -> str:
    if os.environ.get(RUNNER_IDENT_ENV):
        return f"ansible-runner, ident {os.environ[RUNNER_IDENT_ENV]}"
    if os.environ.get("MOLECULE_SCENARIO_NAME"):
        return f"molecule, scenario {os.environ['MOLECULE_SCENARIO_NAME']}, step {pathlib.Path(playbook).stem}"
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}: {_command_line()}"


class CallbackModule(CallbackBase):
    """Record the run while it happens; write the report when it ends or is interrupted."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "nova.dgx.journal"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._disabled = False
        self._record: RunRecord | None = None
        self._written = False
        self._pid = os.getpid()
        self._previous: dict[int, t.Any] = {}
        # (variable manager, host, register name) of each nova.dgx.secret result whose value the
        # journal has not read yet: the value is registered only after v2_runner_on_ok returns.
        self._pending_secrets: list[tuple[t.Any, str, str]] = []
        self._play_manager: t.Any = None

    # -- life cycle ------------------------------------------------------------------

    @_guarded
    def v2_playbook_on_start(self, playbook: t.Any) -> None:
        path = to_text(playbook._file_name)
        cli = context.CLIARGS
        shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
        self._record = RunRecord(
            run_id=uuid.uuid4().hex[:8],
            started_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            meta={
                "playbook": shown,
                "limit": cli.get("subset") or "",
                "tags": [t_ for t_ in cli.get("tags", ()) if t_ != "all"],
                "skip_tags": list(cli.get("skip_tags", ())),
                "check_mode": bool(cli.get("check")),
                "diff_mode": bool(cli.get("diff")),
                "commit": _git_commit(os.path.dirname(os.path.abspath(path))),
                "ansible_core": ansible_core_version,
                "started_by": _started_by(path),
                "runner_ident": os.environ.get(RUNNER_IDENT_ENV, ""),
            },
        )
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous[signum] = signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, frame: t.Any) -> None:
        if os.getpid() == self._pid:  # forked workers inherit this handler; only the controller writes
            self._write_interrupted()
        previous = self._previous.get(signum)
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_DFL or previous is None:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    def _learn_pending_secrets(self) -> None:
        """Read each registered nova.dgx.secret value from the variable manager (no_log hid it from
        the callback) so the report masks it wherever a later task showed it."""
        if self._record is None:
            return
        while self._pending_secrets:
            manager, host, name = self._pending_secrets.pop()
            cache = getattr(manager, "_nonpersistent_fact_cache", {}) or {}
            self._record.learn_values(_secret_values((cache.get(host) or {}).get(name)))

    def _write_interrupted(self) -> None:
        if self._record is not None and not self._written and not self._disabled:
            try:
                self._learn_pending_secrets()
                self._record.interrupt()
                self._save(self._record)
            except Exception as exc:  # pylint: disable=broad-exception-caught
                self._display.warning(f"nova.dgx.journal: could not write the interrupted run's report: {exc!r}")

    def _save(self, record: RunRecord) -> None:
        self._written = True
        journal = Journal(self.get_option("journal_dir"))
        report = journal.save(record.to_dict())
        self._display.display(f"journal: {report}")

    @_guarded
    def v2_playbook_on_stats(self, stats: t.Any) -> None:
        if self._record is None:
            return
        recap = {}
        for host in sorted(stats.processed):
            s = stats.summarize(host)
            recap[host] = {"ok": s["ok"], "changed": s["changed"], "unreachable": s["unreachable"], "failed": s["failures"],
                           "skipped": s["skipped"], "rescued": s["rescued"], "ignored": s["ignored"]}
        self._learn_pending_secrets()
        self._record.finish(recap)
        self._save(self._record)
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)

    def __del__(self) -> None:
        # An interrupted ansible-playbook (Ctrl-C becomes KeyboardInterrupt, exit 99) never reaches
        # v2_playbook_on_stats; the signal handler has written the report by then. This is the last resort.
        if os.getpid() == getattr(self, "_pid", None):
            self._write_interrupted()

    @_guarded
    def v2_playbook_on_play_start(self, play: t.Any) -> None:
        if self._record is not None:
            manager = play.get_variable_manager()
            self._play_manager = manager
            self._learn_pending_secrets()
            self._record.learn_secrets(manager.extra_vars)
            self._record.learn_secrets(play.vars)
            # group_vars, host_vars, vars_files and inventory variables: by name, and every !vault value.
            try:
                hosts = manager._inventory.get_hosts(play.hosts) if manager._inventory is not None else []
            except Exception:  # pylint: disable=broad-exception-caught  # e.g. a templated pattern: Ansible reports it
                hosts = []
            for host in hosts:
                variables = manager.get_vars(play=play, host=host, include_hostvars=False)
                self._record.learn_data_secrets(_host_variables(variables))

    # -- tasks and results -----------------------------------------------------------

    @_guarded
    def v2_playbook_on_task_start(self, task: t.Any, is_conditional: bool) -> None:
        if self._record is not None:
            self._learn_pending_secrets()
            role = task._role.get_name(include_role_fqcn=False) if task._role else ""
            action = getattr(task, "_resolved_action", None) or task.action
            self._record.task_start(task._uuid, to_text(task.name or task.action), role, to_text(action))

    @_guarded
    def v2_playbook_on_handler_task_start(self, task: t.Any) -> None:
        self.v2_playbook_on_task_start(task, False)

    def _result(self, result: t.Any, outcome: str, ignored: bool = False) -> None:
        if self._record is not None:
            task = result._task
            if outcome in ("ok", "changed") and task.register and getattr(task, "_resolved_action", task.action) in SECRET_ACTIONS:
                self._pending_secrets.append((self._play_manager, result._host.get_name(), task.register))
            if outcome in ("ok", "changed") and not result._result.get("_ansible_no_log"):
                # A token set with set_fact or returned by a module is masked wherever it shows up later.
                self._record.learn_data_secrets(result._result)
            data = argument_spec_failure(result._result) if outcome == "failed" else result._result
            self._record.result(result._task._uuid, result._host.get_name(), outcome, data, ignored)

    @_guarded
    def v2_runner_on_ok(self, result: t.Any) -> None:
        self._result(result, "changed" if result._result.get("changed") else "ok")

    @_guarded
    def v2_runner_on_failed(self, result: t.Any, ignore_errors: bool = False) -> None:
        self._result(result, "failed", ignored=ignore_errors)

    @_guarded
    def v2_runner_on_skipped(self, result: t.Any) -> None:
        self._result(result, "skipped")

    @_guarded
    def v2_runner_on_unreachable(self, result: t.Any) -> None:
        self._result(result, "unreachable")

    def _item(self, result: t.Any, outcome: str) -> None:
        if self._record is not None:
            data = result._result
            label = data.get("_ansible_item_label", data.get(result._task.loop_control.loop_var if result._task.loop_control else "item", ""))
            self._record.item_result(result._task._uuid, result._host.get_name(), to_text(label), outcome, data)

    @_guarded
    def v2_runner_item_on_ok(self, result: t.Any) -> None:
        self._item(result, "ok")

    @_guarded
    def v2_runner_item_on_failed(self, result: t.Any) -> None:
        self._item(result, "failed")

    @_guarded
    def v2_runner_item_on_skipped(self, result: t.Any) -> None:
        self._item(result, "skipped")
