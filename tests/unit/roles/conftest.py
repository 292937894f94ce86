"""Run a role against a host that cannot be reached, to prove bad input fails before any change.

The target is a closed port on loopback: any task that reaches the host makes the run
UNREACHABLE. So a run that FAILS with the role's message, and is never UNREACHABLE, failed on
the controller, before a single task touched a host. Each role's tests include a valid-input
control run that does reach the connection stage.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import typing as t

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
_INVENTORY = (
    "all:\n  hosts:\n    target:\n      ansible_host: 127.0.0.1\n      ansible_port: 9\n"
    "      ansible_user: ansible\n      ansible_ssh_common_args: -o ConnectTimeout=3\n"
)


class RoleRun:
    """Runs one role (or one of its entry points) with the given variables."""

    def __init__(self, tmp_path: pathlib.Path) -> None:
        self.tmp_path = tmp_path

    def __call__(self, role: str, variables: dict[str, t.Any], tasks_from: str = "main") -> subprocess.CompletedProcess[str]:
        play = (
            f"- name: Apply {role} to a host that cannot be reached\n  hosts: target\n  gather_facts: false\n  tasks:\n"
            f"    - name: Run the role\n      ansible.builtin.include_role:\n        name: {role}\n        tasks_from: {tasks_from}\n"
        )
        (self.tmp_path / "inventory.yml").write_text(_INVENTORY)
        (self.tmp_path / "play.yml").write_text(play)
        (self.tmp_path / "vars.json").write_text(json.dumps(variables))
        env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0")
        ansible_playbook = pathlib.Path(sys.executable).parent / "ansible-playbook"
        return subprocess.run(
            [str(ansible_playbook), "-i", str(self.tmp_path / "inventory.yml"), str(self.tmp_path / "play.yml"),
             "-e", f"@{self.tmp_path / 'vars.json'}"],
            capture_output=True, text=True, timeout=120, check=False, cwd=self.tmp_path, env=env,
        )

    @staticmethod
    def failed_before_any_host(result: subprocess.CompletedProcess[str], expected: str) -> str:
        """Assert the run failed on the controller with ``expected`` in its output; return the output."""
        output = " ".join((result.stdout + result.stderr).split()).replace("''", "'")
        assert result.returncode == 2, output
        assert expected in output, output
        assert "UNREACHABLE" not in output
        assert "unreachable=0" in output and "failed=1" in output
        return output

    @staticmethod
    def reached_the_host(result: subprocess.CompletedProcess[str], first_host_task: str) -> None:
        """Assert valid input got past the controller-side checks to ``first_host_task``."""
        output = result.stdout + result.stderr
        assert result.returncode == 4, output  # 4: a host was unreachable
        assert "UNREACHABLE" in output and first_host_task in output, output


@pytest.fixture
def run_role(tmp_path: pathlib.Path) -> RoleRun:
    return RoleRun(tmp_path)
