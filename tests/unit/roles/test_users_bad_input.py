"""Bad input to nova.dgx.users fails before anything on a host changes.

The target host is a closed port on loopback: any task that reaches the host makes the
run UNREACHABLE. So a run that FAILS with our message, and is never UNREACHABLE, failed
on the controller, before a single task touched a host. The valid-input control below
proves the same set-up does reach the connection stage when input is good.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEufAr3CFlZnhNApZIW0GNwZv/huboaljOK4gi/Kp6hy ops@lab"

PLAY = """\
- name: Apply nova.dgx.users to a host that cannot be reached
  hosts: target
  gather_facts: false
  roles:
    - role: nova.dgx.users
"""


def _run(tmp_path: pathlib.Path, users: object) -> subprocess.CompletedProcess[str]:
    (tmp_path / "inventory.yml").write_text(
        "all:\n  hosts:\n    target:\n      ansible_host: 127.0.0.1\n      ansible_port: 9\n"
        "      ansible_user: ansible\n      ansible_ssh_common_args: -o ConnectTimeout=3\n"
    )
    (tmp_path / "play.yml").write_text(PLAY)
    (tmp_path / "vars.json").write_text(json.dumps({"users_accounts": users}))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0")
    ansible_playbook = pathlib.Path(sys.executable).parent / "ansible-playbook"
    return subprocess.run(
        [str(ansible_playbook), "-i", str(tmp_path / "inventory.yml"), str(tmp_path / "play.yml"), "-e", f"@{tmp_path / 'vars.json'}"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path, env=env,
    )


@pytest.mark.parametrize(
    ("users", "expected"),
    [
        ([{"uid": 3000, "groups": []}], "users_accounts[0]: field 'name' is missing"),
        ([{"name": "alice", "groups": "docker"}], "users_accounts[0] (alice): field 'groups' must be a list"),
        ([{"name": "ops"}, {"name": "bob", "state": "gone"}], "users_accounts[1] (bob): field 'state' must be one of present, absent"),
        ([{"name": "carol", "authorized_keys": [KEY[:48]]}], "users_accounts[0] (carol): field 'authorized_keys[0]' has a key body that is truncated"),
        ([{"name": "dave", "authorized_keys": ["ssh-dss AAAAB3NzaC1kc3M="]}], "users_accounts[0] (dave): field 'authorized_keys[0]' has unknown key type"),
        ([{"name": "ansible", "state": "absent"}], "the account Ansible connects as"),
    ],
)
def test_bad_input_fails_before_any_host_is_touched(tmp_path: pathlib.Path, users: object, expected: str) -> None:
    result = _run(tmp_path, users)
    output = " ".join((result.stdout + result.stderr).split()).replace("''", "'")
    assert result.returncode == 2, output
    assert expected in output
    assert "UNREACHABLE" not in output
    assert "unreachable=0" in output and "failed=1" in output


def test_valid_input_passes_preflight_and_reaches_the_host(tmp_path: pathlib.Path) -> None:
    result = _run(tmp_path, [{"name": "alice", "groups": ["adm"], "authorized_keys": [KEY]}])
    output = result.stdout + result.stderr
    assert result.returncode == 4, output  # 4: a host was unreachable
    assert "UNREACHABLE" in output and "Read the host's groups" in output
