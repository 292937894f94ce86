"""The house ansible-lint rule nova-secret-exposure, run by ansible-lint on planted tasks."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
PLAY = """---
- name: Planted
  hosts: localhost
  gather_facts: false
  tasks:
    - name: A secret in a fail message
      ansible.builtin.fail:
        msg: "refused {{ db_password }}"
    - name: A token in an assert message
      ansible.builtin.assert:
        that: true
        fail_msg: "{{ 'bad ' ~ api_token }}"
    - name: A secret-named environment variable
      ansible.builtin.command: "true"
      changed_when: false
      environment:
        VAULT_TOKEN: "{{ login_result }}"
    - name: A secret value in an environment
      ansible.builtin.command: "true"
      changed_when: false
      environment:
        PGCONN: "{{ postgresql_password }}"
    - name: Words about passwords and public keys are fine
      ansible.builtin.fail:
        msg: "the password {{ 'is wrong' }} for {{ user_name }}; {{ wireguard_public_key }}"
"""


def test_the_house_rule_flags_each_planted_task_and_nothing_else(tmp_path: pathlib.Path) -> None:
    probe = ROOT / "playbooks" / f"zz_lint_probe_{tmp_path.name}.yml"
    probe.write_text(PLAY)
    try:
        done = subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-lint"), "--nocolor", "-f", "pep8", str(probe.relative_to(ROOT))],
                              capture_output=True, text=True, check=False, cwd=ROOT, timeout=300)
    finally:
        probe.unlink()
    hits = [line for line in done.stdout.splitlines() if "nova-secret-exposure" in line]
    assert done.returncode != 0, done.stdout + done.stderr
    assert [line.split(":")[1] for line in hits] == ["6", "9", "13", "18"], done.stdout
    assert "names db_password" in hits[0] and "names api_token" in hits[1]
    assert "VAULT_TOKEN" in hits[2] and "postgresql_password" in hits[3]
