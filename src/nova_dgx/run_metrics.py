# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The journal as Prometheus metrics (``python -m nova_dgx journal metrics``), for node_exporter's textfile collector on
the controller: per playbook and mode the last run's time, result and duration; per playbook, mode and host the last
run's changed and failed counts; per host whether it drifted (``nova_dgx.summary``). The alerts NovaPlaybookRunFailed
and NovaHostDrift read them."""

from __future__ import annotations

import calendar
import os
import pathlib
import time
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_store import Journal

from nova_dgx import summary

FILE_NAME = "nova_dgx_runs.prom"
_HELP = {
    "nova_dgx_run_last_timestamp_seconds": ("gauge", "When the last run of the playbook in this mode started (Unix time)."),
    "nova_dgx_run_last_success": ("gauge", "1 when the last run of the playbook in this mode succeeded, 0 when it failed."),
    "nova_dgx_run_last_duration_seconds": ("gauge", "How long the last run of the playbook in this mode took."),
    "nova_dgx_run_host_changed": ("gauge", "Tasks the last run of the playbook in this mode changed (or, in check mode, would change) on the host."),
    "nova_dgx_run_host_failed": ("gauge", "Tasks that failed or hosts unreachable in the last run of the playbook in this mode."),
    "nova_dgx_host_drift": ("gauge", "1 when a check-mode run after the host's last real run predicted changes (see python -m nova_dgx summary)."),
    "nova_dgx_journal_runs": ("gauge", "Runs in the journal."),
}


def _epoch(stamp: str) -> int:
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{name}="{_label(value)}"' for name, value in labels.items()) + "}"


def exposition(directory: pathlib.Path) -> str:
    """The metrics in Prometheus's text format (finished runs only; a run still going counts when it ends)."""
    journal = Journal(directory)
    entries = sorted(journal.entries(), key=lambda e: (e["started_at"], e["id"]), reverse=True)
    samples: dict[str, list[str]] = {name: [] for name in _HELP}
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        mode = "check" if entry["check_mode"] else "run"
        if entry["status"] == "running" or (entry["playbook"], mode) in seen:
            continue
        seen.add((entry["playbook"], mode))
        labels = {"playbook": entry["playbook"], "mode": mode}
        samples["nova_dgx_run_last_timestamp_seconds"].append(f"{_labels(**labels)} {_epoch(entry['started_at'])}")
        samples["nova_dgx_run_last_success"].append(f"{_labels(**labels)} {0 if entry['status'] in ('failed', 'interrupted') else 1}")
        samples["nova_dgx_run_last_duration_seconds"].append(f"{_labels(**labels)} {entry['duration_s']:g}")
        try:
            report = journal.report(entry)
        except (OSError, ValueError):
            continue
        for host, recap in sorted(report["recap"].items()):
            samples["nova_dgx_run_host_changed"].append(f"{_labels(**labels, host=host)} {recap['changed']}")
            samples["nova_dgx_run_host_failed"].append(f"{_labels(**labels, host=host)} {recap['failed'] + recap['unreachable']}")
    for host, found in summary.build(directory).get("hosts", {}).items():
        samples["nova_dgx_host_drift"].append(f"{_labels(host=host)} {1 if found['drift'] else 0}")
    samples["nova_dgx_journal_runs"].append(f" {len(entries)}")
    lines: list[str] = []
    for name, (kind, text) in _HELP.items():
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"] + [f"{name}{sample}" for sample in sorted(samples[name])]
    return "\n".join(lines) + "\n"


def write(directory: pathlib.Path, textfile_dir: pathlib.Path) -> pathlib.Path:
    """Write the metrics atomically into node_exporter's textfile directory (a partial file is never read)."""
    target = textfile_dir / FILE_NAME
    temporary = textfile_dir / f".{FILE_NAME}.{os.getpid()}"
    temporary.write_text(exposition(directory), encoding="utf-8")
    temporary.chmod(0o644)
    temporary.replace(target)
    return target


def maybe_write(directory: pathlib.Path, environ: t.Mapping[str, str] | None = None) -> pathlib.Path | None:
    """After a run: write the metrics when NOVA_DGX_METRICS_DIR names a directory; never fail the run for it."""
    target = (os.environ if environ is None else environ).get("NOVA_DGX_METRICS_DIR", "")
    if not target:
        return None
    try:
        return write(directory, pathlib.Path(target))
    except (OSError, ValueError):
        return None
