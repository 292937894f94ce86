# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host side of nova.dgx.files: compare a list of files and directories with what is on the
host and converge the ones that differ, in one module run.

A converged role used to pay two module runs per template (a checksum stat, then a file run for
the attributes) and one per directory; this reads every entry's state in one pass. Writes are
atomic (a temporary file in the same directory, validated, then renamed over the live one)."""

from __future__ import annotations

import grp
import os
import pwd
import re
import shlex
import stat
import subprocess
import tempfile
import typing as t

MODE = re.compile(r"^0?[0-7]{3,4}$")
STATES = ("file", "directory", "absent")
DIFF_LIMIT = 64 * 1024


class FilesError(Exception):
    """A bad entry or a host problem, with a message naming the path and the fix."""


def _ids(entry: dict[str, t.Any]) -> tuple[int | None, int | None]:
    """Numeric owner and group of an entry (None: leave as is)."""
    uid = gid = None
    owner, group = entry.get("owner"), entry.get("group")
    try:
        if owner not in (None, ""):
            uid = int(owner) if str(owner).isdigit() else pwd.getpwnam(str(owner)).pw_uid
        if group not in (None, ""):
            gid = int(group) if str(group).isdigit() else grp.getgrnam(str(group)).gr_gid
    except KeyError:
        raise FilesError(f"{entry['path']}: owner {owner!r} or group {group!r} does not exist on the host; create it first") from None
    return uid, gid


def check_entry(entry: dict[str, t.Any]) -> None:
    """Fail on an entry that cannot mean one thing, before anything is written."""
    path = entry.get("path")
    if not isinstance(path, str) or not path.startswith("/") or "\0" in path:
        raise FilesError(f"path {path!r} must be an absolute path")
    state = entry.get("state", "file")
    if state not in STATES:
        raise FilesError(f"{path}: state {state!r} must be one of {', '.join(STATES)}")
    mode = entry.get("mode")
    if state != "absent" and (not isinstance(mode, str) or not MODE.match(mode)):
        raise FilesError(f"{path}: mode {mode!r} must be an octal string such as '0644'")
    if state == "file" and not isinstance(entry.get("content"), str):
        raise FilesError(f"{path}: a file needs its content")
    validate = entry.get("validate")
    if validate and "%s" not in validate:
        raise FilesError(f"{path}: validate {validate!r} must contain %s (the file to check)")


def _attrs(st: os.stat_result, entry: dict[str, t.Any], ids: tuple[int | None, int | None]) -> list[str]:
    """The attributes of an existing path that differ from the entry, as 'name: old -> new'."""
    wrong = []
    want_mode = int(entry["mode"], 8)
    if stat.S_IMODE(st.st_mode) != want_mode:
        wrong.append(f"mode: {stat.S_IMODE(st.st_mode):04o} -> {want_mode:04o}")
    if ids[0] is not None and st.st_uid != ids[0]:
        wrong.append(f"owner: {st.st_uid} -> {ids[0]}")
    if ids[1] is not None and st.st_gid != ids[1]:
        wrong.append(f"group: {st.st_gid} -> {ids[1]}")
    return wrong


def _set_attrs(path: str, entry: dict[str, t.Any], ids: tuple[int | None, int | None]) -> None:
    if ids != (None, None):
        os.chown(path, -1 if ids[0] is None else ids[0], -1 if ids[1] is None else ids[1])
    os.chmod(path, int(entry["mode"], 8))


def _text(data: bytes | None) -> str | None:
    if data is None:
        return ""
    if len(data) > DIFF_LIMIT:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _validate(command: str, candidate: str, path: str) -> None:
    argv = [candidate if word == "%s" else word.replace("%s", candidate) for word in shlex.split(command)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise FilesError(f"{path}: validate command {argv[0]!r} could not run: {exc.strerror or exc}") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip()
        raise FilesError(f"{path}: the new content failed validation ({command}, rc {done.returncode}): {said}; the live file is unchanged")


def _write(path: str, data: bytes, entry: dict[str, t.Any], ids: tuple[int | None, int | None]) -> None:
    directory = os.path.dirname(path) or "/"
    if not os.path.isdir(directory):
        raise FilesError(f"{path}: directory {directory} does not exist; list it as a directory entry before the file")
    handle, temporary = tempfile.mkstemp(prefix=".nova-", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        _set_attrs(temporary, entry, ids)
        if entry.get("validate"):
            _validate(entry["validate"], temporary, path)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _attr_diff(path: str, state: str, reasons: list[str]) -> dict[str, str]:
    """A diff for a change that is not (only) text: creation or attributes."""
    before, after = [], []
    for reason in reasons:
        if " -> " in reason:
            name, old_new = reason.split(": ", 1)
            old, new = old_new.split(" -> ", 1)
            before.append(f"{name}: {old}\n")
            after.append(f"{name}: {new}\n")
        else:
            before.append(f"{path}: absent\n")
            after.append(f"{path}: {state}\n")
    return {"before_header": path, "after_header": path, "before": "".join(before), "after": "".join(after)}


def converge(entry: dict[str, t.Any], check_mode: bool, want_diff: bool) -> dict[str, t.Any]:
    """Bring one entry to its state; returns {path, state, changed, reasons[, diff]}."""
    check_entry(entry)
    path, state = entry["path"], entry.get("state", "file")
    result: dict[str, t.Any] = {"path": path, "state": state, "changed": False, "reasons": []}
    try:
        st: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        st = None
    if state == "absent":
        if st is not None:
            if stat.S_ISDIR(st.st_mode):
                raise FilesError(f"{path}: is a directory; nova.dgx.files removes only files and links")
            result.update(changed=True, reasons=["removed"])
            if want_diff:
                result["diff"] = {"before_header": path, "after_header": path, "before": f"{path}: present\n", "after": f"{path}: absent\n"}
            if not check_mode:
                os.unlink(path)
        return result

    try:
        ids = _ids(entry)
        owner_pending = False
    except FilesError:
        if not check_mode:
            raise
        # Check mode: an account that an earlier task of this run would create does not exist yet.
        ids, owner_pending = (None, None), True
    if state == "directory":
        if st is not None and not stat.S_ISDIR(st.st_mode):
            raise FilesError(f"{path}: exists and is not a directory; remove it or choose another path")
        reasons = ["created"] if st is None else _attrs(st, entry, ids)
        if reasons and not check_mode:
            if st is None:
                os.makedirs(path, exist_ok=True)
            _set_attrs(path, entry, ids)
    else:
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise FilesError(f"{path}: exists and is not a regular file; remove it or choose another path")
        data = entry["content"].encode("utf-8")
        current = None
        if st is not None:
            with open(path, "rb") as handle:
                current = handle.read()
        reasons = []
        if current != data:
            reasons.append("created" if st is None else "content")
        elif st is not None:
            reasons = _attrs(st, entry, ids)
        if reasons and not check_mode:
            if current != data:
                _write(path, data, entry, ids)
            else:
                _set_attrs(path, entry, ids)
        if want_diff and current != data:
            before, after = _text(current), _text(data)
            if before is not None and after is not None:
                result["diff"] = {"before_header": path, "after_header": path, "before": before, "after": after}
    if owner_pending and "created" not in reasons:
        reasons.append("owner (account not created yet)")
    if reasons and want_diff and "diff" not in result:
        result["diff"] = _attr_diff(path, state, reasons)
    result.update(changed=bool(reasons), reasons=reasons)
    return result


def converge_all(entries: list[dict[str, t.Any]], check_mode: bool, want_diff: bool) -> dict[str, t.Any]:
    """Converge every entry in order; stop at the first failure, reporting what changed before it."""
    if not isinstance(entries, list) or not entries:
        raise FilesError("files must be a non-empty list")
    for entry in entries:
        check_entry(entry)
    paths = [entry["path"] for entry in entries]
    twice = sorted({p for p in paths if paths.count(p) > 1})
    if twice:
        raise FilesError(f"paths listed twice: {', '.join(twice)}")
    results: list[dict[str, t.Any]] = []
    for entry in entries:
        try:
            results.append(converge(entry, check_mode, want_diff))
        except FilesError as exc:
            done = [r["path"] for r in results if r["changed"]]
            raise FilesError(f"{exc}" + (f" (already changed in this task: {', '.join(done)})" if done else "")) from None
    diffs = [r.pop("diff") for r in results if "diff" in r]
    return {
        "changed": any(r["changed"] for r in results),
        "files": results,
        "changed_paths": [r["path"] for r in results if r["changed"]],
        "diff": diffs,
    }
