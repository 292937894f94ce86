# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One way to run a collection module through ansible-playbook on localhost and read its result."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[4]


def run_task(tmp_path: pathlib.Path, task: str, *flags: str) -> dict:
    """Run one task (``task``: its YAML lines after ``- ``, 6-space indented continuation) with
    ``register: r``; return r plus ``_output`` (stdout and stderr) and ``_rc``."""
    result = tmp_path / "r.json"
    result.unlink(missing_ok=True)
    play = tmp_path / "play.yml"
    play.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        f"    - {task}\n      register: r\n"
        "    - ansible.builtin.copy: {content: '{{ r | to_json }}', dest: " + str(result) + "}\n"
        "      check_mode: false\n"
    )
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", NOVA_DGX_JOURNAL_DIR=str(tmp_path / "journal"))
    cmd = [str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
           "-e", f"ansible_python_interpreter={sys.executable}", *flags, str(play)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env, cwd=tmp_path)
    data = json.loads(result.read_text()) if result.exists() else {}
    data["_output"] = done.stdout + done.stderr
    data["_rc"] = done.returncode
    return data
