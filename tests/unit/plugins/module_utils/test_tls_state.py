"""nova.dgx.tls_state against what community.crypto itself creates: the same chain as
roles/vault/tasks/configure.yml (CA key, CSR, self-signed CA; server key, CSR, certificate from
the CA), run through ansible-playbook once, then judged as made and after each planted drift."""

from __future__ import annotations

import grp
import os
import pathlib
import pwd
import shutil
import subprocess
import sys

import pytest

from ansible_collections.nova.dgx.plugins.module_utils._tls_state import file_problems, problems
from ansible_collections.nova.dgx.tests.unit.plugins.modules._run_task import ROOT, run_task

OWNER = pwd.getpwuid(os.geteuid())[0]
GROUP = grp.getgrgid(os.getegid())[0]
SANS = ["IP:127.0.0.1", "IP:10.77.0.2", "DNS:mgmt-01", "DNS:localhost"]

CHAIN = """
- hosts: localhost
  gather_facts: false
  vars: {{dir: "{dir}", cn: "{cn}"}}
  tasks:
    - community.crypto.openssl_privatekey: {{path: "{{{{ dir }}}}/ca.key", type: ECC, curve: secp384r1, mode: "0600"}}
    - community.crypto.openssl_csr_pipe:
        privatekey_path: "{{{{ dir }}}}/ca.key"
        common_name: "{{{{ cn }}}}"
        basic_constraints: ["CA:TRUE", "pathlen:0"]
        basic_constraints_critical: true
        key_usage: [keyCertSign, cRLSign]
        key_usage_critical: true
      register: ca_csr
    - community.crypto.x509_certificate:
        path: "{{{{ dir }}}}/ca.pem"
        csr_content: "{{{{ ca_csr.csr }}}}"
        privatekey_path: "{{{{ dir }}}}/ca.key"
        provider: selfsigned
        selfsigned_not_after: +3650d
        mode: "0644"
    - community.crypto.openssl_privatekey: {{path: "{{{{ dir }}}}/server.key", type: ECC, curve: secp256r1, mode: "0640"}}
    - community.crypto.openssl_csr_pipe:
        privatekey_path: "{{{{ dir }}}}/server.key"
        common_name: mgmt-01
        subject_alt_name: {sans}
        extended_key_usage: [serverAuth, clientAuth]
      register: server_csr
    - community.crypto.x509_certificate:
        path: "{{{{ dir }}}}/server.pem"
        csr_content: "{{{{ server_csr.csr }}}}"
        provider: ownca
        ownca_path: "{{{{ dir }}}}/ca.pem"
        ownca_privatekey_path: "{{{{ dir }}}}/ca.key"
        ownca_not_after: +365d
        mode: "0644"
"""


def _chain(directory: pathlib.Path, common_name: str = "nova.dgx vault CA (mgmt-01)") -> None:
    directory.mkdir(parents=True, exist_ok=True)
    play = directory / "chain.yml"
    play.write_text(CHAIN.format(dir=directory, cn=common_name, sans=SANS))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), NOVA_DGX_JOURNAL_DIR=str(directory / "journal"))
    done = subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                           "-e", f"ansible_python_interpreter={sys.executable}", str(play)], capture_output=True, text=True, env=env,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    directory = tmp_path_factory.mktemp("tls")
    _chain(directory / "live")
    _chain(directory / "other")  # a second CA with the same name, for a certificate it signed
    return directory


@pytest.fixture()
def tls(made: pathlib.Path, tmp_path: pathlib.Path) -> pathlib.Path:
    shutil.copytree(made / "live", tmp_path / "tls", ignore=shutil.ignore_patterns("journal", "chain.yml"))
    return tmp_path / "tls"


def _spec(directory: pathlib.Path, **server: object) -> tuple[dict, dict]:
    ca = {"key": str(directory / "ca.key"), "cert": str(directory / "ca.pem"), "common_name": "nova.dgx vault CA (mgmt-01)",
          "curve": "secp384r1"}
    wanted = {"key": str(directory / "server.key"), "cert": str(directory / "server.pem"), "common_name": "mgmt-01", "curve": "secp256r1",
              "sans": SANS, "extended_key_usage": ["serverAuth", "clientAuth"], "renew_days": 30}
    return ca, wanted | server


def _files(directory: pathlib.Path) -> list[dict[str, str]]:
    return [{"path": str(directory / "ca.key"), "owner": OWNER, "group": GROUP, "mode": "0600"},
            {"path": str(directory / "server.key"), "owner": OWNER, "group": GROUP, "mode": "0640"},
            {"path": str(directory / "server.pem"), "owner": OWNER, "group": GROUP, "mode": "0644"}]


def test_what_community_crypto_made_is_current(tls: pathlib.Path) -> None:
    assert problems(*_spec(tls)) == []
    assert file_problems(_files(tls)) == []


@pytest.mark.parametrize(("change", "reason"), [
    ({"sans": SANS + ["IP:10.77.0.9"]}, "has the names"),
    ({"sans": SANS[:-1]}, "has the names"),
    ({"common_name": "db-01"}, "names mgmt-01, not db-01"),
    ({"renew_days": 400}, "within 400 days: renew"),
    ({"extended_key_usage": ["serverAuth"]}, "extended key usage"),
    ({"curve": "secp384r1"}, "is not an ECC key on secp384r1"),
])
def test_a_wanted_setting_the_files_lack_is_a_reason(tls: pathlib.Path, change: dict, reason: str) -> None:
    found = problems(*_spec(tls, **change))
    assert len(found) == 1 and reason in found[0], found


def test_a_certificate_from_another_ca_of_the_same_name_is_caught_by_its_signature(tls: pathlib.Path, made: pathlib.Path) -> None:
    shutil.copy(made / "other/server.pem", tls / "server.pem")
    shutil.copy(made / "other/server.key", tls / "server.key")
    found = problems(*_spec(tls))
    assert found == [f"{tls / 'server.pem'} is not signed by the CA's key"]


def test_a_replaced_key_no_longer_matches_its_certificate(tls: pathlib.Path, made: pathlib.Path) -> None:
    shutil.copy(made / "other/ca.key", tls / "ca.key")
    found = problems(*_spec(tls))
    assert found == [f"{tls / 'ca.pem'} does not belong to {tls / 'ca.key'}"]


def test_missing_and_broken_files_and_wrong_modes_are_reasons(tls: pathlib.Path) -> None:
    (tls / "server.pem").unlink()
    (tls / "ca.key").write_text("not a key\n")
    (tls / "server.key").chmod(0o644)
    found = problems(*_spec(tls))
    assert any("ca.key is not an unencrypted PEM private key" in f for f in found)
    assert any(f == f"{tls / 'server.pem'} is missing" for f in found)
    modes = file_problems(_files(tls))
    assert f"{tls / 'server.key'} has mode 0644, not 0640" in modes and f"{tls / 'server.pem'} is missing" in modes


def test_the_module_answers_in_one_run_and_refuses_an_incomplete_spec(tls: pathlib.Path, tmp_path: pathlib.Path) -> None:
    ca, server = _spec(tls)
    result = run_task(tmp_path, f"nova.dgx.tls_state: {{ca: {ca!r}, server: {server!r}, files: {_files(tls)!r}}}", "--check")
    assert result["_rc"] == 0 and result["current"] is True and result["reasons"] == [] and result["changed"] is False
    del server["renew_days"]
    result = run_task(tmp_path, f"nova.dgx.tls_state: {{ca: {ca!r}, server: {server!r}}}")
    assert result["_rc"] != 0 and "server must have exactly" in result["_output"] and "missing renew_days" in result["_output"]
