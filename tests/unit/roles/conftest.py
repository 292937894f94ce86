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
# The host every case runs against: a closed port on loopback.
_UNREACHABLE = {"ansible_host": "127.0.0.1", "ansible_port": 9, "ansible_user": "ansible", "ansible_ssh_common_args": "-o ConnectTimeout=3"}
_INVENTORY = json.dumps({"all": {"hosts": {"target": _UNREACHABLE}}})


def _play(role: str, hosts: str, tasks_from: str) -> str:
    return (f"- name: Apply {role} to hosts that cannot be reached\n  hosts: {hosts}\n  gather_facts: false\n  tasks:\n"
            f"    - name: Run the role\n      ansible.builtin.include_role:\n        name: {role}\n        tasks_from: {tasks_from}\n")


def _ansible_playbook(directory: pathlib.Path, *args: str, timeout: int, **env: str) -> subprocess.CompletedProcess[str]:
    """ansible-playbook with the project's configuration, run in ``directory``."""
    environment = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", **env)
    return subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-playbook"), *args],
                          capture_output=True, text=True, timeout=timeout, check=False, cwd=directory, env=environment)


class RoleRun:
    """Runs one role (or one of its entry points) with the given variables."""

    def __init__(self, tmp_path: pathlib.Path) -> None:
        self.tmp_path = tmp_path

    def __call__(self, role: str, variables: dict[str, t.Any], tasks_from: str = "main") -> subprocess.CompletedProcess[str]:
        (self.tmp_path / "inventory.yml").write_text(_INVENTORY)
        (self.tmp_path / "play.yml").write_text(_play(role, "target", tasks_from))
        (self.tmp_path / "vars.json").write_text(json.dumps(variables))
        return _ansible_playbook(self.tmp_path, "-i", str(self.tmp_path / "inventory.yml"), str(self.tmp_path / "play.yml"),
                                 "-e", f"@{self.tmp_path / 'vars.json'}", timeout=120)

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


def _strings(value: t.Any) -> t.Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class RoleBatch:
    """Many bad-input cases of one role in one ansible-playbook run, for the unit stage's time: each
    case is a host of its own (case000, case001, ...), every one of them the same closed port on
    loopback, with the case's variables as its host variables. Ansible runs a task for every host and
    drops each host at its own failure, so a host's result is the one its case would have alone:
    ``failed_before_any_host`` asserts, per case, what RoleRun.failed_before_any_host asserts of a
    whole run (this host failed once, was never unreachable, and its failure says ``expected``).

    Only for roles whose checks read nothing but the host's own variables: a check that looks at
    other hosts (peers, run_once) gets a case of its own through ``run_role``."""

    def __init__(self, directory: pathlib.Path, role: str, cases: list[tuple[dict[str, t.Any], str]], base: dict[str, t.Any],
                 tasks_from: str) -> None:
        self.cases = cases
        hosts = {f"case{index:03d}": {**_UNREACHABLE, **base, **variables} for index, (variables, _expected) in enumerate(cases)}
        (directory / "inventory.json").write_text(json.dumps({"all": {"hosts": hosts}}))
        (directory / "play.yml").write_text(_play(role, "all", tasks_from))
        self.result = _ansible_playbook(directory, "-i", str(directory / "inventory.json"), str(directory / "play.yml"), timeout=600,
                                        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
        try:  # the JSON, then the journal callback's line naming its report
            self.report = json.JSONDecoder().raw_decode(self.result.stdout)[0]
        except ValueError:
            self.report = {}

    def failed_before_any_host(self, variables: dict[str, t.Any], expected: str) -> str:
        host = f"case{next(index for index, (case, _text) in enumerate(self.cases) if case == variables):03d}"
        assert self.report, self.result.stdout[-3000:] + self.result.stderr[-3000:]
        results = [task["hosts"][host] for play in self.report["plays"] for task in play["tasks"] if host in task["hosts"]]
        failures = [result for result in results if result.get("failed") or result.get("unreachable")]
        output = " ".join(" ".join(text for failure in failures for text in _strings(failure)).split()).replace("''", "'")
        stats = self.report["stats"][host]
        assert stats["unreachable"] == 0 and not any(result.get("unreachable") for result in results), output
        assert stats["failures"] == 1, output
        assert expected in output, output
        return output


@pytest.fixture(scope="module")
def role_batch(tmp_path_factory: pytest.TempPathFactory) -> t.Callable[..., RoleBatch]:
    """``role_batch(role, cases, base={}, tasks_from="main")``: the RoleBatch of those cases, run once per module."""
    batches: dict[tuple[str, str, str], RoleBatch] = {}

    def batch(role: str, cases: list[tuple[dict[str, t.Any], str]], base: dict[str, t.Any] | None = None,
              tasks_from: str = "main") -> RoleBatch:
        key = (role, json.dumps([cases, base], sort_keys=True), tasks_from)
        if key not in batches:
            batches[key] = RoleBatch(tmp_path_factory.mktemp("batch"), role, cases, base or {}, tasks_from)
        return batches[key]

    return batch
