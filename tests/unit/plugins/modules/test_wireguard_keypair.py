"""nova.dgx.wireguard_keypair through real ansible-playbook runs on localhost: check mode and
idempotence as a sequence (check, run, check, run), rotation, bad files, and the private key
never appearing in output."""

from __future__ import annotations

import json
import pathlib
import stat

from ansible_collections.nova.dgx.plugins.module_utils._x25519 import public_key
from ansible_collections.nova.dgx.tests.unit.plugins.modules._run_task import run_task


def _run(tmp_path: pathlib.Path, *, check: bool = False, **params: object) -> dict:
    args = {"path": str(tmp_path / "wg" / "wg0.key"), **params}
    return run_task(tmp_path, f"nova.dgx.wireguard_keypair: {json.dumps(args)}", "--diff", *(["--check"] if check else []))


def _key(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "wg" / "wg0.key"


def test_check_run_check_run(tmp_path: pathlib.Path) -> None:
    first_check = _run(tmp_path, check=True)
    assert first_check["changed"] and first_check["created"] and first_check["public_key"] is None
    assert not _key(tmp_path).exists()
    created = _run(tmp_path)
    assert created["changed"] and created["created"]
    private = _key(tmp_path).read_text().strip()
    assert created["public_key"] == public_key(private)
    assert stat.S_IMODE(_key(tmp_path).stat().st_mode) == 0o600
    assert stat.S_IMODE(_key(tmp_path).parent.stat().st_mode) == 0o700
    second_check = _run(tmp_path, check=True)
    second = _run(tmp_path)
    assert not second_check["changed"] and not second["changed"]
    assert second["public_key"] == created["public_key"]
    for run in (first_check, created, second_check, second):
        assert private not in run["_output"]
    assert private not in "".join(p.read_text() for p in (tmp_path / "journal").rglob("*") if p.is_file())


def test_rotation_changes_the_key(tmp_path: pathlib.Path) -> None:
    old = _run(tmp_path)["public_key"]
    rotated = _run(tmp_path, rotate=True)
    assert rotated["changed"] and rotated["public_key"] != old
    assert public_key(_key(tmp_path).read_text()) == rotated["public_key"]


def test_a_loose_mode_is_corrected_without_a_new_key(tmp_path: pathlib.Path) -> None:
    pub = _run(tmp_path)["public_key"]
    _key(tmp_path).chmod(0o644)
    fixed = _run(tmp_path)
    assert fixed["changed"] and not fixed["created"] and fixed["public_key"] == pub
    assert stat.S_IMODE(_key(tmp_path).stat().st_mode) == 0o600


def test_a_file_that_is_not_a_key_fails_clearly(tmp_path: pathlib.Path) -> None:
    _key(tmp_path).parent.mkdir()
    _key(tmp_path).write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    result = _run(tmp_path)
    assert result["_rc"] == 2
    assert "is not a WireGuard private key" in result["_output"] and "rotate=true" in result["_output"]


def test_absent_removes_the_key(tmp_path: pathlib.Path) -> None:
    _run(tmp_path)
    assert _run(tmp_path, state="absent", check=True)["changed"] and _key(tmp_path).exists()
    removed = _run(tmp_path, state="absent")
    assert removed["changed"] and not _key(tmp_path).exists()
    assert not _run(tmp_path, state="absent")["changed"]


def _fails_with(result: dict, *words: str) -> None:
    assert result["_rc"] == 2, result["_output"]
    assert "Traceback" not in result["_output"] and "Exception" not in result["_output"], result["_output"]
    assert "MODULE FAILURE" not in result["_output"], result["_output"]
    for word in words:
        assert word in result["_output"], result["_output"]


def test_a_path_that_cannot_hold_a_key_fails_with_the_fix(tmp_path: pathlib.Path) -> None:
    directory = tmp_path / "keys"
    directory.mkdir()
    regular = tmp_path / "not-a-dir"
    regular.write_text("x")
    _fails_with(_run(tmp_path, path=str(directory)), f"path {directory} is a directory", "wg0.key")
    _fails_with(_run(tmp_path, check=True, path=str(directory)), f"path {directory} is a directory")
    _fails_with(_run(tmp_path, path=f"{tmp_path}/new/"), "is a directory")
    _fails_with(_run(tmp_path, path=str(regular / "sub" / "wg0.key")), f"is under {regular}, which is a file, not a directory", f"remove {regular}")
    _fails_with(_run(tmp_path, path=""), "path is empty", "/etc/wireguard/wg0.key")
    _fails_with(_run(tmp_path, path=str(directory), state="absent"), "is a directory")
    assert directory.is_dir() and not list(directory.iterdir()) and regular.read_text() == "x"
    assert not (tmp_path / "new").exists()
