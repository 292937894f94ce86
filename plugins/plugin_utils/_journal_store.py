# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The journal on disk: atomic writes, and an index that concurrent runs update one at a time."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pathlib
import tempfile
import time
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_render import index_markdown, run_markdown, summary
from ansible_collections.nova.dgx.plugins.plugin_utils._journal_timeline import timeline_svg
from ansible_collections.nova.dgx.plugins.plugin_utils._journal_types import INDEX_ENTRY_KEYS, IndexEntry, RunReport

LOCK_TIMEOUT_S = 30.0


def write_atomic(path: pathlib.Path, text: str) -> None:
    """Write to a temporary file in the same directory, fsync, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _locked(path: pathlib.Path, timeout: float) -> t.Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"journal index locked by another run for over {timeout:.0f} s") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Journal:
    """``<dir>/runs/<UTC time>-<playbook>-<id>.md`` and ``.json``, ``<dir>/INDEX.md``, ``<dir>/index.json``."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = pathlib.Path(directory)
        self.runs = self.directory / "runs"

    def base_name(self, run: RunReport) -> str:
        stamp = run["started_at"].replace("-", "").replace(":", "")
        playbook = "".join(c if c.isalnum() or c in "-_" else "-" for c in pathlib.Path(run["playbook"]).stem) or "playbook"
        return f"{stamp}-{playbook}-{run['id']}"

    def save(self, run: RunReport, timeout: float = LOCK_TIMEOUT_S) -> pathlib.Path:
        """Write the run's report pair, then add it to the index; returns the Markdown report's path."""
        base = self.base_name(run)
        report = self.runs / f"{base}.md"
        picture = timeline_svg(run) if "timeline" in run else ""
        markdown = run_markdown(run, f"{base}.svg" if picture else "")
        data = json.dumps(run, indent=2, sort_keys=True) + "\n"  # render fully before writing
        write_atomic(self.runs / f"{base}.json", data)
        if picture:
            write_atomic(self.runs / f"{base}.svg", picture)
        write_atomic(report, markdown)
        with _locked(self.directory / ".index.lock", timeout):
            entries = self.entries()
            entries = [e for e in entries if e["id"] != run["id"]] + [summary(run, report.name)]
            write_atomic(self.directory / "index.json", json.dumps(entries, indent=1, sort_keys=True) + "\n")
            write_atomic(self.directory / "INDEX.md", index_markdown(entries))
        return report

    def entries(self) -> list[IndexEntry]:
        """The index's entries in file order; empty when there is no index yet. Raises CorruptIndex."""
        path = self.directory / "index.json"
        try:
            return parse_index(path.read_text(encoding="utf-8"), path)
        except FileNotFoundError:
            return []

    def report(self, entry: IndexEntry) -> RunReport:
        """The JSON report an index entry points to."""
        path = (self.runs / entry["file"]).with_suffix(".json")
        return t.cast(RunReport, json.loads(path.read_text(encoding="utf-8")))


class CorruptIndex(ValueError):
    """index.json is not a list of run summaries."""


def parse_index(text: str, path: str | os.PathLike[str] = "index.json") -> list[IndexEntry]:
    """index.json's entries, checked for the keys every reader relies on; CorruptIndex says what is wrong."""
    fix = "move it aside; the next run starts a new index (the reports in runs/ stay)"
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CorruptIndex(f"{path} is not valid JSON ({exc}); {fix}") from None
    if not isinstance(data, list):
        raise CorruptIndex(f"{path} must be a JSON list of runs, got {type(data).__name__}; {fix}")
    for number, entry in enumerate(data):
        missing = INDEX_ENTRY_KEYS - set(entry) if isinstance(entry, dict) else INDEX_ENTRY_KEYS
        if missing:
            raise CorruptIndex(f"{path}: entry {number} is not a run summary (missing {', '.join(sorted(missing))}); {fix}")
    return t.cast("list[IndexEntry]", data)
