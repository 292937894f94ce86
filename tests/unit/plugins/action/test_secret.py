# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova.dgx.secret through ansible-playbook against a real OpenBao dev server: the value reaches the
play and nowhere else (not the output at -vvv, not the journal, even when a later task shows it)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import typing as t

import hvac
import pytest

from ansible_collections.nova.dgx.tests.unit.openbao.server import DevServer, free_port

ROOT = pathlib.Path(__file__).resolve().parents[4]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[DevServer]:
    bao = DevServer(tmp_path_factory.mktemp("openbao"))
    hvac.Client(url=bao.url, token=bao.root_token).sys.enable_secrets_engine("kv", path="nova", options={"version": "2"})
    yield bao
    bao.stop()


def play(tmp_path: pathlib.Path, server: DevServer, tasks: str, *flags: str, token: str | None = None,
         url: str = "") -> tuple[int, str, str]:
    """Run the tasks on localhost; return (rc, output, the journal's JSON and Markdown)."""
    (tmp_path / "play.yml").write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n" + tasks)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_", "ANSIBLE_HASHI_VAULT_"))}
    env.update(ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", NOVA_DGX_JOURNAL_DIR=str(tmp_path / "journal"),
               HOME=str(tmp_path), VAULT_TOKEN=server.root_token if token is None else token)
    cmd = [str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
           "-e", f"ansible_python_interpreter={sys.executable}", "-e", f"vault_addr={url or server.url}", *flags, "play.yml"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env, cwd=tmp_path)
    journal = "".join(p.read_text() for p in sorted((tmp_path / "journal").glob("runs/*")))
    return done.returncode, done.stdout + done.stderr, journal


def stored(server: DevServer, path: str) -> str:
    client = hvac.Client(url=server.url, token=server.root_token)
    return str(client.secrets.kv.v2.read_secret_version(path=path, mount_point="nova", raise_on_deleted_version=True)["data"]["data"]["value"])


READ = """\
    - name: Read the app password
      nova.dgx.secret:
        path: postgresql/app
        policy: {kind: password, length: 24}
      register: app
      no_log: true
"""


def test_the_value_reaches_the_play_and_no_output_at_vvv(tmp_path: pathlib.Path, server: DevServer) -> None:
    tasks = READ + """\
    - name: Use it in a file only the play sees
      ansible.builtin.copy: {content: "{{ app.secret }}", dest: "{{ playbook_dir }}/used", mode: "0600"}
      no_log: true
"""
    rc, output, journal = play(tmp_path, server, tasks, "-vvv")
    assert rc == 0, output
    value = stored(server, "postgresql/app")
    assert (tmp_path / "used").read_text() == value and len(value) == 24
    assert value not in output
    assert value not in journal and "Read the app password" in journal
    rc, output, _journal = play(tmp_path, server, tasks)
    assert rc == 0 and "changed=0" in output, output  # read again, not re-created
    assert stored(server, "postgresql/app") == value


def test_the_journal_masks_the_value_wherever_a_later_task_shows_it(tmp_path: pathlib.Path, server: DevServer) -> None:
    tasks = READ + """\
    - name: A careless task that fails showing the value
      ansible.builtin.fail:
        msg: cannot log in as app with {{ app.secret }}
"""
    rc, output, journal = play(tmp_path, server, tasks)
    value = stored(server, "postgresql/app")
    assert rc != 0 and value in output  # Ansible itself prints a fail message, even under no_log ...
    assert "cannot log in as app with ********" in journal and value not in journal  # ... the journal never shows it


def test_without_no_log_it_refuses_and_reads_nothing(tmp_path: pathlib.Path, server: DevServer) -> None:
    rc, output, _journal = play(tmp_path, server, READ.replace("      no_log: true\n", ""))
    assert rc != 0 and "must run with no_log: true" in output
    with pytest.raises(hvac.exceptions.InvalidPath):
        hvac.Client(url=server.url, token=server.root_token).secrets.kv.v2.read_secret_version(
            path="postgresql/app-unread", mount_point="nova", raise_on_deleted_version=True)


def test_bad_input_and_denial_fail_with_a_message_naming_the_fix(tmp_path: pathlib.Path, server: DevServer) -> None:
    rc, output, _journal = play(tmp_path, server, READ.replace("length: 24", "length: 8"))
    assert rc != 0 and "policy.length must be an integer from 16" in output
    rc, output, _journal = play(tmp_path, server, READ, token="not-a-token")
    assert rc != 0 and "denied the controller's token to read nova/postgresql/app" in output


def test_check_mode_predicts_when_no_server_is_there_yet_and_a_real_run_fails(tmp_path: pathlib.Path, server: DevServer) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    rc, output, _journal = play(tmp_path, server, READ, "--check", url=nobody)
    assert rc == 0 and "changed=1" in output, output  # a fresh fleet: the secrets layer has not run yet
    rc, output, _journal = play(tmp_path, server, READ, url=nobody)
    assert rc != 0 and "is unreachable" in output
    rc, output, _journal = play(tmp_path, server, READ.replace("length: 24", "length: 8"), "--check", url=nobody)
    assert rc != 0 and "policy.length must be an integer from 16" in output  # bad input fails in check mode too


PROVIDED = """\
    - name: Read the provided S3 key
      nova.dgx.secret:
        path: backup/restic/s3-{name}
        key: secret_access_key
        policy: {{kind: provided}}
      register: s3
      no_log: true
    - name: Use it in a file only the play sees
      ansible.builtin.copy: {{content: "{{{{ s3.secret }}}}", dest: "{{{{ playbook_dir }}}}/used", mode: "0600"}}
      no_log: true
"""


def test_a_provided_secret_is_read_never_created_and_missing_fails_in_check_mode_too(tmp_path: pathlib.Path, server: DevServer) -> None:
    for flags in (("--check",), ()):
        rc, output, _journal = play(tmp_path, server, PROVIDED.format(name="absent"), *flags)
        assert rc != 0, output
        assert ("nova/backup/restic/s3-absent does not exist, so it has no field 'secret_access_key'" in " ".join(output.split())
                and "bao kv put -mount=nova backup/restic/s3-absent secret_access_key=..." in output), output
    with pytest.raises(hvac.exceptions.InvalidPath):  # nothing was generated
        hvac.Client(url=server.url, token=server.root_token).secrets.kv.v2.read_secret_version(
            path="backup/restic/s3-absent", mount_point="nova", raise_on_deleted_version=True)
    value = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    hvac.Client(url=server.url, token=server.root_token).secrets.kv.v2.create_or_update_secret(
        path="backup/restic/s3-present", secret={"access_key_id": "AKIAEXAMPLE", "secret_access_key": value}, mount_point="nova")
    rc, output, journal = play(tmp_path, server, PROVIDED.format(name="present"), "-vvv")
    assert rc == 0 and (tmp_path / "used").read_text() == value, output
    assert value not in output and value not in journal
    assert "changed=1" in output  # the copy; the read itself changes nothing


def test_a_provided_secret_in_check_mode_without_a_server_warns_and_predicts_nothing(tmp_path: pathlib.Path, server: DevServer) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    rc, output, _journal = play(tmp_path, server, PROVIDED.format(name="x"), "--check", url=nobody)
    assert rc == 0 and "a real run reads the provided field 'secret_access_key' and fails if it is missing" in " ".join(output.split()), output
    rc, output, _journal = play(tmp_path, server, PROVIDED.format(name="x"), url=nobody)
    assert rc != 0 and "is unreachable" in output
