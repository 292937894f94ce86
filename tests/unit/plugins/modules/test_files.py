# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova.dgx.files through ansible-playbook: the action renders, the module converges."""

from __future__ import annotations

import json
import pathlib

from ansible_collections.nova.dgx.tests.unit.plugins.modules._run_task import run_task


def _play(tmp_path: pathlib.Path, files: list[dict], *flags: str, value: str = "1") -> dict:
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / "a.j2").write_text("{{ ansible_managed | comment }}\nvalue={{ value }}\n")
    (tmp_path / "files").mkdir(exist_ok=True)
    (tmp_path / "files" / "static.txt").write_text("static\n")
    return run_task(tmp_path, f"nova.dgx.files: {json.dumps({'files': files})}\n      ignore_errors: true", "-e", f"value={value}", *flags)


def _files(tmp_path: pathlib.Path) -> list[dict]:
    out = tmp_path / "out"
    return [
        {"path": str(out), "state": "directory", "mode": "0755"},
        {"path": str(out / "a.conf"), "template": "a.j2", "mode": "0644", "validate": "grep -q ^value= %s"},
        {"path": str(out / "static.txt"), "src": "static.txt", "mode": "0600"},
    ]


def test_templates_render_on_the_controller_and_converge(tmp_path: pathlib.Path) -> None:
    planned = _play(tmp_path, _files(tmp_path), "--check", "--diff")
    assert planned["changed"] and not (tmp_path / "out").exists()
    assert "+value=1" in planned["_output"], planned["_output"]

    written = _play(tmp_path, _files(tmp_path), "--diff")
    assert written["changed_paths"] == [str(tmp_path / "out"), str(tmp_path / "out" / "a.conf"), str(tmp_path / "out" / "static.txt")]
    assert (tmp_path / "out" / "a.conf").read_text() == "#\n# Ansible managed\n#\nvalue=1\n"
    assert (tmp_path / "out" / "static.txt").read_text() == "static\n"

    assert _play(tmp_path, _files(tmp_path))["changed"] is False
    changed = _play(tmp_path, _files(tmp_path), "--diff", value="2")
    assert changed["changed_paths"] == [str(tmp_path / "out" / "a.conf")]
    assert "-value=1" in changed["_output"] and "+value=2" in changed["_output"]


def test_an_entry_with_two_sources_fails_naming_it(tmp_path: pathlib.Path) -> None:
    bad = [{"path": str(tmp_path / "x"), "template": "a.j2", "content": "y", "mode": "0644"}]
    result = _play(tmp_path, bad)
    assert result["failed"] and "give exactly one of template, src or content (given: template, content)" in result["msg"]
    assert not (tmp_path / "x").exists()


def test_an_unknown_field_and_a_missing_template_fail_clearly(tmp_path: pathlib.Path) -> None:
    result = _play(tmp_path, [{"path": str(tmp_path / "x"), "content": "y", "mode": "0644", "backup": True}])
    assert result["failed"] and "unknown field(s) backup" in result["msg"]
    result = _play(tmp_path, [{"path": str(tmp_path / "x"), "template": "nope.j2", "mode": "0644"}])
    assert result["failed"] and "nope.j2" in result["msg"]
