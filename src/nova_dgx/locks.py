# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-host run locks: two runs that share a host never overlap.

One lock file per host under ``<project>/.runner/locks``, held with flock for as long as
the run lasts. The kernel drops the lock when the process ends, however it ends, so a
crashed run never leaves a host locked. Locks are taken in sorted order, so two waiting
runs cannot deadlock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pathlib
import typing as t


class HostsBusy(Exception):
    """Some hosts are in use by another run."""

    def __init__(self, busy: dict[str, str]) -> None:
        super().__init__(", ".join(sorted(busy)))
        self.busy = busy


def _path(directory: pathlib.Path, host: str) -> pathlib.Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in host)
    return directory / f"{safe}.lock"


@contextlib.contextmanager
def hold(directory: pathlib.Path, hosts: t.Iterable[str], ident: str, wait: bool) -> t.Iterator[None]:
    """Hold every host's lock, or raise HostsBusy naming the busy hosts and their runs (unless wait)."""
    directory.mkdir(parents=True, exist_ok=True)
    handles: list[t.IO[str]] = []
    busy: dict[str, str] = {}
    try:
        for host in sorted(set(hosts)):
            handle = open(_path(directory, host), "a+", encoding="utf-8")  # pylint: disable=consider-using-with
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                handle.seek(0)
                busy[host] = handle.read().strip() or "unknown"
                handle.close()
                continue
            handle.seek(0)
            handle.truncate()
            handle.write(f"{ident} pid={os.getpid()}\n")
            handle.flush()
            handles.append(handle)
        if busy:
            raise HostsBusy(busy)
        yield
    finally:
        for held in handles:
            fcntl.flock(held, fcntl.LOCK_UN)
            held.close()
