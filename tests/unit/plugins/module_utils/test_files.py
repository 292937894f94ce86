# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host side of nova.dgx.files, run against a temporary directory."""

from __future__ import annotations

import os
import pathlib
import stat

import pytest

from ansible_collections.nova.dgx.plugins.module_utils._files import FilesError, converge_all


def _mode(path: pathlib.Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _entries(tmp_path: pathlib.Path, text: str = "a=1\n") -> list[dict]:
    return [
        {"path": str(tmp_path / "d"), "state": "directory", "mode": "0750"},
        {"path": str(tmp_path / "d" / "a.conf"), "content": text, "mode": "0640"},
    ]


def test_check_then_write_then_nothing_to_do(tmp_path: pathlib.Path) -> None:
    planned = converge_all(_entries(tmp_path), check_mode=True, want_diff=True)
    assert planned["changed_paths"] == [str(tmp_path / "d"), str(tmp_path / "d" / "a.conf")]
    assert not (tmp_path / "d").exists()
    assert planned["diff"][1]["after"] == "a=1\n"

    done = converge_all(_entries(tmp_path), check_mode=False, want_diff=False)
    assert done["changed"] and (tmp_path / "d" / "a.conf").read_text() == "a=1\n"
    assert _mode(tmp_path / "d") == 0o750 and _mode(tmp_path / "d" / "a.conf") == 0o640

    again = converge_all(_entries(tmp_path), check_mode=False, want_diff=True)
    assert again == {"changed": False, "files": again["files"], "changed_paths": [], "diff": []}


def test_changed_content_is_replaced_and_diffed(tmp_path: pathlib.Path) -> None:
    converge_all(_entries(tmp_path), check_mode=False, want_diff=False)
    result = converge_all(_entries(tmp_path, "a=2\n"), check_mode=False, want_diff=True)
    assert result["changed_paths"] == [str(tmp_path / "d" / "a.conf")]
    assert result["diff"] == [{"before_header": str(tmp_path / "d" / "a.conf"), "after_header": str(tmp_path / "d" / "a.conf"),
                               "before": "a=1\n", "after": "a=2\n"}]
    assert (tmp_path / "d" / "a.conf").read_text() == "a=2\n"
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["a.conf"], "no temporary file is left behind"


def test_a_wrong_mode_alone_is_corrected_and_shown(tmp_path: pathlib.Path) -> None:
    converge_all(_entries(tmp_path), check_mode=False, want_diff=False)
    os.chmod(tmp_path / "d" / "a.conf", 0o666)
    result = converge_all(_entries(tmp_path), check_mode=False, want_diff=True)
    assert result["files"][1]["reasons"] == ["mode: 0666 -> 0640"]
    assert result["diff"][0]["before"] == "mode: 0666\n" and result["diff"][0]["after"] == "mode: 0640\n"
    assert _mode(tmp_path / "d" / "a.conf") == 0o640


def test_failed_validation_keeps_the_live_file(tmp_path: pathlib.Path) -> None:
    converge_all(_entries(tmp_path), check_mode=False, want_diff=False)
    bad = _entries(tmp_path, "broken\n")
    bad[1]["validate"] = "grep -q ^a= %s"
    with pytest.raises(FilesError, match=r"a.conf: the new content failed validation .*live file is unchanged"):
        converge_all(bad, check_mode=False, want_diff=False)
    assert (tmp_path / "d" / "a.conf").read_text() == "a=1\n"
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["a.conf"]


def test_validation_sees_the_candidate(tmp_path: pathlib.Path) -> None:
    good = _entries(tmp_path, "a=3\n")
    good[1]["validate"] = "grep -q ^a=3 %s"
    assert converge_all(good, check_mode=False, want_diff=False)["changed"]


def test_absent_removes_a_file_and_refuses_a_directory(tmp_path: pathlib.Path) -> None:
    converge_all(_entries(tmp_path), check_mode=False, want_diff=False)
    gone = [{"path": str(tmp_path / "d" / "a.conf"), "state": "absent"}]
    assert converge_all(gone, check_mode=True, want_diff=False)["changed"]
    assert (tmp_path / "d" / "a.conf").exists()
    assert converge_all(gone, check_mode=False, want_diff=False)["changed"]
    assert not converge_all(gone, check_mode=False, want_diff=False)["changed"]
    with pytest.raises(FilesError, match="is a directory"):
        converge_all([{"path": str(tmp_path / "d"), "state": "absent"}], check_mode=False, want_diff=False)


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({"path": "relative", "content": "", "mode": "0644"}, "must be an absolute path"),
        ({"path": "/x", "content": "", "mode": "644x"}, "mode '644x' must be an octal string"),
        ({"path": "/x", "content": "", "mode": 420}, "must be an octal string"),
        ({"path": "/x", "mode": "0644"}, "a file needs its content"),
        ({"path": "/x", "state": "link", "mode": "0644"}, "state 'link' must be one of"),
        ({"path": "/x", "content": "", "mode": "0644", "validate": "true"}, "must contain %s"),
    ],
)
def test_bad_entries_fail_before_anything_is_written(tmp_path: pathlib.Path, entry: dict, words: str) -> None:
    first = {"path": str(tmp_path / "first"), "content": "x", "mode": "0644"}
    with pytest.raises(FilesError, match=words.replace("(", r"\(")):
        converge_all([first, entry], check_mode=False, want_diff=False)
    assert not (tmp_path / "first").exists()


def test_a_path_listed_twice_is_refused(tmp_path: pathlib.Path) -> None:
    entry = {"path": str(tmp_path / "a"), "content": "x", "mode": "0644"}
    with pytest.raises(FilesError, match="paths listed twice"):
        converge_all([entry, dict(entry)], check_mode=False, want_diff=False)


def test_a_missing_directory_names_the_fix(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FilesError, match="list it as a directory entry before the file"):
        converge_all([{"path": str(tmp_path / "nope" / "a"), "content": "x", "mode": "0644"}], check_mode=False, want_diff=False)


def test_an_unknown_owner_names_the_fix(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FilesError, match="does not exist on the host; create it first"):
        converge_all([{"path": str(tmp_path / "a"), "content": "x", "mode": "0644", "owner": "no-such-user-nova"}],
                     check_mode=False, want_diff=False)


def test_check_mode_reports_an_owner_an_earlier_task_would_create(tmp_path: pathlib.Path) -> None:
    (tmp_path / "a").write_text("x")
    entries = [{"path": str(tmp_path / "d"), "state": "directory", "mode": "0750", "group": "no-such-group-nova"},
               {"path": str(tmp_path / "a"), "content": "x", "mode": "0644", "owner": "no-such-user-nova"}]
    result = converge_all(entries, check_mode=True, want_diff=True)
    assert result["changed"] and [f["reasons"] for f in result["files"]] == [["created"], ["owner (account not created yet)"]]
    assert not (tmp_path / "d").exists()
