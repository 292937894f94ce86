# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""python -m nova_dgx: run a playbook for an orchestrator (n8n), or read the journal.

Every call prints exactly one JSON object on stdout (the journal command without --json
prints lines). Exit codes of ``run``: 0 successful, 2 the playbook failed, 3 hosts busy
with another run, 4 bad input (an unknown or misspelt flag included), 1 an unexpected error. With --always-exit-zero the exit
code is 0 and the outcome is only in the JSON (n8n's Execute Command node discards
stdout on a non-zero exit).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import typing as t

from nova_dgx import runner


class _Parser(argparse.ArgumentParser):
    """Bad arguments raise InputError, so they end in the runner's JSON (exit 4), not argparse's exit 2.

    Exit 2 means "the playbook failed"; a caller must never read a typo as a failed run.
    """

    def error(self, message: str) -> t.NoReturn:
        raise runner.InputError(f"{message}; see '{self.prog} --help'")


def _parser() -> argparse.ArgumentParser:
    # No abbreviations: a misspelt flag must be an error, never taken for a flag it is the start of.
    parser = _Parser(prog="python -m nova_dgx", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                     allow_abbrev=False)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", allow_abbrev=False, help="run a playbook through ansible-runner; print one JSON object")
    run.add_argument("playbook", help="path to the playbook, relative to the repository (e.g. site.yml)")
    run.add_argument("--limit", "-l", default="", help="host pattern, as ansible-playbook --limit")
    run.add_argument("--tags", "-t", default="", help="comma-separated tags")
    run.add_argument("--check", action="store_true", help="check mode (with no changes)")
    run.add_argument("--extra-vars", "-e", action="append", default=[], metavar="@FILE", help="variables from a YAML/JSON file")
    run.add_argument("--inventory", "-i", default="", help="inventory source (default: ansible.cfg's, the lab)")
    run.add_argument("--wait", action="store_true", help="wait for runs holding the same hosts instead of failing with status busy")
    run.add_argument("--always-exit-zero", action="store_true", help="exit 0 whatever happened; read status and rc from the JSON")
    run.add_argument("--keep-artifacts", action="store_true", help="keep ansible-runner's raw events and stdout (they are not masked)")
    journal = commands.add_parser("journal", allow_abbrev=False,
                                  help="the latest runs in the journal; journal diff [RUN] [RUN]: what changed between two runs")
    journal.add_argument("action", nargs="?", choices=["diff", "metrics"],
                         help="diff: per host, tasks and checks whose result changed; metrics: the journal for Prometheus")
    journal.add_argument("runs", nargs="*", metavar="RUN", help="for diff: run ids or report names (default: the newest two of a playbook)")
    journal.add_argument("--limit", type=int, default=5, help="how many runs (default 5)")
    journal.add_argument("--json", action="store_true", help="print a JSON list instead of lines")
    journal.add_argument("--textfile", metavar="DIR", default="",
                         help="for metrics: write nova_dgx_runs.prom into node_exporter's textfile directory DIR instead of printing")
    summary = commands.add_parser("summary", allow_abbrev=False,
                                  help="the platform's status from the journal: runs per playbook, drift per host, failures, readiness")
    summary.add_argument("--limit", type=int, default=5, help="runs per playbook and failed runs shown (default 5)")
    summary.add_argument("--export", metavar="FILE", default="", help="also write it to FILE: Markdown, or JSON when FILE ends in .json")
    ready = commands.add_parser("readiness", allow_abbrev=False,
                                help="run playbooks/readiness.yml, write the journal's readiness/<date>.md; exit 0 ready, 2 not ready")
    ready.add_argument("--limit", "-l", default="", help="host pattern (default: the whole fleet)")
    ready.add_argument("--inventory", "-i", default="", help="inventory source (default: ansible.cfg's, the lab)")
    ready.add_argument("--extra-vars", "-e", action="append", default=[], metavar="@FILE", help="variables from a YAML/JSON file")
    ready.add_argument("--wait", action="store_true", help="wait for runs holding the same hosts instead of answering busy")
    alerts = commands.add_parser("alerts", allow_abbrev=False, help="the alert rules a monitoring host loads and where each routes")
    alerts.add_argument("--dry-run", action="store_true", required=True, help="read the repository and the inventory only (required)")
    alerts.add_argument("--host", default=None, help="the monitoring host (default: the first in group monitoring)")
    alerts.add_argument("--write", action="store_true", help="also write orchestration_journal/monitoring/alerts.md")
    boards = commands.add_parser("dashboards", allow_abbrev=False, help="the Grafana dashboards generated from src/nova_dgx/dashboards")
    what = boards.add_mutually_exclusive_group(required=True)
    what.add_argument("--write", metavar="DIR", help="write <uid>.json for each dashboard into DIR")
    what.add_argument("--check", metavar="DIR", help="exit 1 naming each file in DIR that is missing or differs from the code's")
    what.add_argument("--metrics", action="store_true", help="print {uid: [metric names]} as JSON")
    return parser


def _journal_diff(args: argparse.Namespace) -> int:
    """Two runs compared (lines, or one JSON object with --json); exit 1 with the reason when they cannot be."""
    from nova_dgx import journal_diff  # pylint: disable=import-outside-toplevel
    from ansible_collections.nova.dgx.plugins.plugin_utils._journal_store import Journal  # pylint: disable=import-outside-toplevel

    try:
        result = journal_diff.diff(Journal(runner.journal_dir(runner.project_root())), args.runs)
    except (runner.InputError, ValueError, OSError) as exc:
        if args.json:
            print(json.dumps({"status": "error", "rc": 1, "error": f"journal diff: {exc}"}, sort_keys=True))
        else:
            print(f"python -m nova_dgx journal diff: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"status": "ok", **result}, sort_keys=True))
    else:
        print("\n".join(journal_diff.lines(result)))
    return 0


def _journal_metrics(args: argparse.Namespace) -> int:
    """The journal in Prometheus's text format on stdout, or written into --textfile DIR; exit 1 with the reason on an error."""
    from nova_dgx import run_metrics  # pylint: disable=import-outside-toplevel

    try:
        directory = runner.journal_dir(runner.project_root())
        if args.textfile:
            print(json.dumps({"status": "ok", "textfile": str(run_metrics.write(directory, pathlib.Path(args.textfile)))}, sort_keys=True))
        else:
            sys.stdout.write(run_metrics.exposition(directory))
    except (runner.InputError, ValueError, OSError) as exc:
        print(json.dumps({"status": "error", "rc": 1, "error": f"journal metrics: {exc}"}, sort_keys=True))
        return 1
    return 0


def _journal(args: argparse.Namespace) -> int:
    """The latest runs, newest first; exit 1 with a message (a JSON object with --json) when the index is unreadable."""
    if args.action == "diff":
        return _journal_diff(args)
    if args.action == "metrics":
        return _journal_metrics(args)
    try:
        root = runner.project_root()
        directory = runner.journal_dir(root)
        latest = runner.journal_entries(root)[: max(args.limit, 0)]
    except (runner.InputError, ValueError, OSError) as exc:
        error = f"cannot read the journal: {exc}"
        if args.json:
            print(json.dumps({"status": "error", "rc": 1, "error": error}, sort_keys=True))
        else:
            print(f"python -m nova_dgx journal: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([e | {"report": str(directory / "runs" / e["file"])} for e in latest], indent=1))
    elif not latest:
        print(f"no runs in the journal yet ({directory})")
    else:
        for e in latest:
            mode = "check" if e["check_mode"] else "run"
            print(f"{e['started_at']}  {e['status']:<11} {mode:<5} {e['playbook']}  limit={e['limit'] or 'all'}  "
                  f"changed={e['changed']}  {e['duration_s']:.1f}s  {directory / 'runs' / e['file']}")
    return 0


def _summary(args: argparse.Namespace) -> int:
    """One JSON object: the summary (docs/operations.md); exit 1 with the reason when the journal cannot be read."""
    from nova_dgx import summary  # pylint: disable=import-outside-toplevel

    try:
        if args.limit < 1:
            raise runner.InputError(f"--limit must be at least 1, got {args.limit}")
        result = summary.build(runner.journal_dir(runner.project_root()), args.limit)
        if args.export:
            target = pathlib.Path(args.export)
            text = json.dumps(result, indent=1, sort_keys=True) + "\n" if target.suffix == ".json" else summary.markdown(result)
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.tmp")
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(target)
            result["export"] = str(target)
    except (runner.InputError, ValueError, OSError) as exc:
        print(json.dumps({"status": "error", "rc": 1, "error": f"summary: {exc}"}, sort_keys=True))
        return 1
    print(json.dumps({"status": "ok", **result}, sort_keys=True))
    return 0


def _readiness(args: argparse.Namespace) -> int:
    """One JSON object: the run's outcome with ready, failed_checks and readiness_report; exit 0 ready, 2 not ready."""
    from nova_dgx import readiness  # pylint: disable=import-outside-toplevel

    try:
        code, outcome = readiness.run(args.limit, args.inventory, tuple(args.extra_vars), args.wait)
    except (OSError, ValueError, KeyError) as exc:
        code, outcome = 1, {"status": "error", "rc": 1, "error": f"readiness: {type(exc).__name__}: {exc}", "playbook": readiness.PLAYBOOK,
                            "limit": args.limit}
    print(json.dumps(outcome, sort_keys=True))
    return code


def _alerts(args: argparse.Namespace) -> int:
    """One JSON object: the host, each alert with its group, severity, for, receivers and runbook; exit 1 on an error."""
    from nova_dgx import alerts  # pylint: disable=import-outside-toplevel  # jinja2 and the inventory only for this command

    try:
        root = runner.project_root()
        result = alerts.dry_run(root, args.host)
        if args.write:
            target = runner.journal_dir(root) / "monitoring" / "alerts.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(alerts.markdown(result))
            result["report"] = str(target)
    except (runner.InputError, alerts.AlertsError, OSError, ValueError) as exc:
        print(json.dumps({"status": "error", "rc": 1, "error": str(exc)}, sort_keys=True))
        return 1
    print(json.dumps({"status": "ok", **result}, sort_keys=True))
    return 0


def _dashboards(args: argparse.Namespace) -> int:
    """Write or check the dashboard files, or list their metrics (docs/dashboards.md); exit 1 on stale files or an error."""
    from nova_dgx.dashboards import files  # pylint: disable=import-outside-toplevel  # the Grafana SDK only for this command

    try:
        return files.main(args.write, args.check, args.metrics, sys.stdout, sys.stderr)
    except OSError as exc:
        print(json.dumps({"status": "error", "rc": 1, "error": str(exc)}, sort_keys=True))
        return 1


def _bad_arguments(argv: list[str], error: str) -> dict[str, t.Any]:
    """The bad-input JSON for arguments argparse refused, with the playbook and limit where they can be read."""
    try:
        known = _parser().parse_known_args(argv)[0]  # unknown flags aside, what was asked for
    except runner.InputError:
        known = argparse.Namespace()
    if getattr(known, "command", None) != "run":
        known = argparse.Namespace()
    return runner.bad_input(error, getattr(known, "playbook", None), getattr(known, "limit", None))


def main(argv: t.Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(arguments)
    except runner.InputError as exc:
        print(json.dumps(_bad_arguments(arguments, str(exc)), sort_keys=True))
        return 0 if "--always-exit-zero" in arguments else 4
    if args.command == "journal":
        return _journal(args)
    if args.command == "summary":
        return _summary(args)
    if args.command == "alerts":
        return _alerts(args)
    if args.command == "readiness":
        return _readiness(args)
    if args.command == "dashboards":
        return _dashboards(args)
    request = runner.Request(
        playbook=args.playbook, limit=args.limit, tags=args.tags, check=args.check, extra_vars=tuple(args.extra_vars),
        inventory=args.inventory, wait=args.wait, keep_artifacts=args.keep_artifacts,
    )
    try:
        code, outcome = runner.run(request)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        code, outcome = 1, {"status": "error", "rc": 1, "error": f"{type(exc).__name__}: {exc}", "playbook": args.playbook, "limit": args.limit}
    print(json.dumps(outcome, sort_keys=True))
    return 0 if args.always_exit_zero else code


if __name__ == "__main__":
    sys.exit(main())
