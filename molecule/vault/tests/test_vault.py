"""OpenBao after converge, restart and unseal, snapshot and drill: what the host and the API say."""

from __future__ import annotations

import hashlib
import os
import pathlib

import hvac
import pytest
import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("vault")
EPHEMERAL = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])


@pytest.fixture(name="api")
def _api(host) -> hvac.Client:
    address = host.ansible("setup", "gather_subset=network")["ansible_facts"]["ansible_default_ipv4"]["address"]
    token = (EPHEMERAL / "vault-token").read_text().strip()
    return hvac.Client(url=f"https://{address}:8200", token=token, verify=str(EPHEMERAL / "vault-ca.pem"))


def test_unsealed_raft_over_tls_with_the_pinned_version(api: hvac.Client) -> None:
    status = api.sys.read_seal_status()
    assert status["initialized"] and not status["sealed"]
    assert status["t"] == 2 and status["n"] == 3
    assert status["storage_type"] == "raft" and status["version"].startswith("2.7.2")


def test_listens_on_loopback_and_the_given_address_only(host) -> None:
    sockets = {line.split()[3] for line in host.check_output("ss -Hltn").splitlines() if line.split()[3].endswith((":8200", ":8201"))}
    address = host.ansible("setup", "gather_subset=network")["ansible_facts"]["ansible_default_ipv4"]["address"]
    assert sockets == {f"{ip}:{port}" for ip in ("127.0.0.1", address) for port in (8200, 8201)}


def test_the_usage_gauges_are_off_as_the_server_itself_reports(host) -> None:
    """OpenBao 2.7.2 panics when a usage-gauge collection runs while it seals (docs/runbooks/vault.md): the
    server logs, each time it becomes active, that the collection is disabled, and it never panicked."""
    with host.sudo():
        log = host.check_output("journalctl -u openbao.service --no-pager -o cat")
    assert "usage gauge collection is disabled" in log and "panic:" not in log, log[-3000:]


@pytest.mark.parametrize(("path", "owner", "mode"), [
    ("/etc/openbao/tls/ca.key", "root", 0o600),
    ("/etc/openbao/tls/server.key", "root", 0o640),
    ("/var/log/openbao/audit.log", "openbao", 0o600),
    ("/etc/openbao/snapshot/secret-id", "openbao", 0o600),
    ("/var/lib/openbao", "openbao", 0o700),
])
def test_private_files_are_private(host, path: str, owner: str, mode: int) -> None:
    with host.sudo():
        item = host.file(path)
        assert item.exists and item.user == owner and item.mode == mode


def test_the_canary_was_created_once_and_kept(api: hvac.Client) -> None:
    stored = api.secrets.kv.v2.read_secret_version(path="molecule/canary", mount_point="nova", raise_on_deleted_version=True)
    assert stored["data"]["metadata"]["version"] == 1  # converge, idempotence and side effect all read the same value
    assert hashlib.sha256(stored["data"]["data"]["value"].encode()).hexdigest() == (EPHEMERAL / "canary.sha256").read_text().strip()


def test_an_approle_works_inside_its_policy_and_is_denied_outside(api: hvac.Client) -> None:
    role_id = api.auth.approle.read_role_id("db-01")["data"]["role_id"]
    secret_id = api.auth.approle.generate_secret_id("db-01")["data"]["secret_id"]
    host_client = hvac.Client(url=api.url, verify=api.session.verify)
    host_client.auth.approle.login(role_id=role_id, secret_id=secret_id)
    host_client.secrets.kv.v2.create_or_update_secret(path="postgresql/molecule", secret={"value": "x" * 20}, mount_point="nova")
    with pytest.raises(hvac.exceptions.Forbidden):
        host_client.secrets.kv.v2.read_secret_version(path="molecule/canary", mount_point="nova", raise_on_deleted_version=True)


def test_snapshots_are_kept_private(host) -> None:
    with host.sudo():
        snaps = host.check_output("find /var/backups/openbao -name 'raft-*.snap' -user openbao -perm 600").split()
    assert snaps


def test_the_init_output_stayed_encrypted_and_private() -> None:
    init = EPHEMERAL / "vault-init.json"
    assert oct(init.stat().st_mode & 0o777) == "0o600"
    text = init.read_text()
    assert '"unseal_keys_b64"' in text and (EPHEMERAL / "vault-token").read_text().strip() not in text
