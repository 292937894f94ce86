# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The secret entry point's logic against a real OpenBao 2.7.2 dev server (tests/unit/openbao)."""

from __future__ import annotations

import base64
import concurrent.futures
import pathlib
import typing as t

import hvac
import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._secret import (
    Connection, SecretError, connection_errors, read_or_create, request_errors, token_from,
)
from ansible_collections.nova.dgx.tests.unit.openbao.server import DevServer, free_port

PASSWORD = {"kind": "password", "length": 32, "alphabet": "alnum"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[DevServer]:
    bao = DevServer(tmp_path_factory.mktemp("openbao"))
    admin = hvac.Client(url=bao.url, token=bao.root_token)
    admin.sys.enable_secrets_engine("kv", path="nova", options={"version": "2"})
    admin.sys.create_or_update_policy("postgresql", 'path "nova/data/postgresql/*" { capabilities = ["create", "read", "update"] }')
    admin.sys.enable_auth_method("approle")
    admin.auth.approle.create_or_update_approle("db-01", token_policies=["postgresql"], token_ttl="5m")
    yield bao
    bao.stop()


def root(bao: DevServer) -> Connection:
    return Connection(url=bao.url, cacert="", token=bao.root_token)


def test_created_once_then_read_back_identical(server: DevServer) -> None:
    first = read_or_create(root(server), "nova", "postgresql/app", "value", PASSWORD)
    again = read_or_create(root(server), "nova", "postgresql/app", "value", {"kind": "password", "length": 64})
    assert first["created"] is True and first["version"] == 1
    assert again == {"secret": first["secret"], "created": False, "version": 1}
    assert len(first["secret"]) == 32 and first["secret"].isalnum()
    stored = hvac.Client(url=server.url, token=server.root_token).secrets.kv.v2.read_secret_version(
        path="postgresql/app", mount_point="nova", raise_on_deleted_version=True)
    assert stored["data"]["data"] == {"value": first["secret"]}


def test_wireguard_psk_is_32_random_bytes(server: DevServer) -> None:
    psk = read_or_create(root(server), "nova", "wireguard/psk/a--b", "value", {"kind": "wireguard_psk"})["secret"]
    assert len(base64.b64decode(psk, validate=True)) == 32


def test_check_mode_writes_nothing(server: DevServer) -> None:
    seen = read_or_create(root(server), "nova", "monitoring/grafana-admin", "value", PASSWORD, check_mode=True)
    assert seen["would_create"] is True and seen["created"] is False
    created = read_or_create(root(server), "nova", "monitoring/grafana-admin", "value", PASSWORD)
    assert created["created"] is True and created["secret"] != seen["secret"]


def test_racing_writers_end_with_one_value(server: DevServer) -> None:
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _n: read_or_create(root(server), "nova", "k3s/token", "value", PASSWORD), range(8)))
    assert len({r["secret"] for r in results}) == 1
    assert sum(r["created"] for r in results) == 1


def test_approle_reads_inside_its_policy_and_is_denied_outside(server: DevServer) -> None:
    admin = hvac.Client(url=server.url, token=server.root_token)
    role_id = admin.auth.approle.read_role_id("db-01")["data"]["role_id"]
    secret_id = admin.auth.approle.generate_secret_id("db-01")["data"]["secret_id"]
    conn = Connection(url=server.url, cacert="", role_id=role_id, secret_id=secret_id)
    assert read_or_create(conn, "nova", "postgresql/replication", "value", PASSWORD)["created"] is True
    with pytest.raises(SecretError, match="denied the controller's token to read nova/monitoring/x"):
        read_or_create(conn, "nova", "monitoring/x", "value", PASSWORD)
    wrong = Connection(url=server.url, cacert="", role_id=role_id, secret_id="0" * 36)
    with pytest.raises(SecretError, match="refused the AppRole credentials"):
        read_or_create(wrong, "nova", "postgresql/app", "value", PASSWORD)


def test_a_hand_written_entry_without_the_field_is_not_overwritten(server: DevServer) -> None:
    hvac.Client(url=server.url, token=server.root_token).secrets.kv.v2.create_or_update_secret(
        path="nemo/ngc", secret={"apikey": "set-by-hand-0001"}, mount_point="nova")
    with pytest.raises(SecretError, match="exists without the field 'value'"):
        read_or_create(root(server), "nova", "nemo/ngc", "value", PASSWORD)


def test_unreachable_server_says_so() -> None:
    conn = Connection(url=f"http://127.0.0.1:{free_port()}", cacert="", token="t", timeout=3)
    with pytest.raises(SecretError, match="is unreachable .*systemctl status openbao"):
        read_or_create(conn, "nova", "postgresql/app", "value", PASSWORD)


def test_sealed_server_says_so_and_what_to_do(tmp_path: pathlib.Path) -> None:
    bao = DevServer(tmp_path)
    try:
        hvac.Client(url=bao.url, token=bao.root_token).sys.seal()
        with pytest.raises(SecretError, match="is sealed: nothing can read nova/postgresql/app. Unseal it"):
            read_or_create(root(bao), "nova", "postgresql/app", "value", PASSWORD)
    finally:
        bao.stop()


PROVIDED = {"kind": "provided"}


def _kv(server: DevServer) -> t.Any:
    return hvac.Client(url=server.url, token=server.root_token).secrets.kv.v2


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_provided_secret_is_read_as_written(server: DevServer, check_mode: bool) -> None:
    path = f"backup/restic/s3-read-{check_mode}"
    _kv(server).create_or_update_secret(path=path, mount_point="nova",
                                        secret={"access_key_id": "AKIAEXAMPLE0001", "secret_access_key": "s3cr3t/with+symbols="})
    key_id = read_or_create(root(server), "nova", path, "access_key_id", PROVIDED, check_mode=check_mode)
    secret = read_or_create(root(server), "nova", path, "secret_access_key", PROVIDED, check_mode=check_mode)
    assert key_id == {"secret": "AKIAEXAMPLE0001", "created": False, "version": 1}
    assert secret == {"secret": "s3cr3t/with+symbols=", "created": False, "version": 1}


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_missing_provided_secret_fails_with_the_command_and_is_never_generated(server: DevServer, check_mode: bool) -> None:
    path = f"backup/restic/s3-missing-{check_mode}"
    with pytest.raises(SecretError) as raised:
        read_or_create(root(server), "nova", path, "access_key_id", PROVIDED, check_mode=check_mode)
    message = str(raised.value)
    assert f"nova/{path} does not exist, so it has no field 'access_key_id'" in message
    assert f"`bao kv put -mount=nova {path} access_key_id=...`" in message and "never generated" in message
    with pytest.raises(hvac.exceptions.InvalidPath):
        _kv(server).read_secret_version(path=path, mount_point="nova", raise_on_deleted_version=True)


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_provided_field_missing_from_an_entry_says_patch_and_leaves_the_entry_alone(server: DevServer, check_mode: bool) -> None:
    path = f"backup/restic/s3-half-{check_mode}"
    _kv(server).create_or_update_secret(path=path, mount_point="nova", secret={"access_key_id": "AKIAEXAMPLE0002"})
    with pytest.raises(SecretError) as raised:
        read_or_create(root(server), "nova", path, "secret_access_key", PROVIDED, check_mode=check_mode)
    message = str(raised.value)
    assert f"nova/{path} exists without the field 'secret_access_key'" in message
    assert f"`bao kv patch -mount=nova {path} secret_access_key=...`" in message  # put would drop access_key_id
    stored = _kv(server).read_secret_version(path=path, mount_point="nova", raise_on_deleted_version=True)["data"]
    assert stored["data"] == {"access_key_id": "AKIAEXAMPLE0002"} and stored["metadata"]["version"] == 1


def test_an_empty_provided_field_is_refused(server: DevServer) -> None:
    _kv(server).create_or_update_secret(path="backup/restic/s3-empty", mount_point="nova", secret={"access_key_id": ""})
    with pytest.raises(SecretError, match="has the field 'access_key_id' empty: .*bao kv patch -mount=nova backup/restic/s3-empty"):
        read_or_create(root(server), "nova", "backup/restic/s3-empty", "access_key_id", PROVIDED)


def test_a_provided_policy_takes_nothing_but_its_kind() -> None:
    assert request_errors("backup/restic/s3", PROVIDED, "access_key_id", "nova") == []
    errors = request_errors("backup/restic/s3", {"kind": "provided", "length": 32}, "access_key_id", "nova")
    assert errors == ["policy has length, which a provided secret does not take (it is never generated)"]


@pytest.mark.parametrize(("path", "policy", "key", "expected"), [
    ("/nova/postgresql/app", PASSWORD, "value", "must be relative to the platform mount"),
    ("nova/postgresql/app", PASSWORD, "value", "must be relative to the platform mount"),
    ("postgresql/../sys", PASSWORD, "value", "'..' and empty segments are refused"),
    ("postgresql/app", {"kind": "password", "length": 12}, "value", "policy.length must be an integer from 16"),
    ("postgresql/app", {"kind": "token_hex", "bytes": 8}, "value", "policy.bytes must be an integer from 16"),
    ("postgresql/app", {"kind": "rsa"}, "value", "policy.kind 'rsa' must be one of"),
    ("postgresql/app", PASSWORD, "va lue", "key must be a field name"),
])
def test_bad_requests_are_refused_naming_the_field(path: str, policy: dict, key: str, expected: str) -> None:
    errors = request_errors(path, policy, key, "nova")
    assert errors and expected in errors[0]


def test_connection_settings_are_checked_before_anything_is_sent(tmp_path: pathlib.Path) -> None:
    assert "plain HTTP to another host" in connection_errors(Connection("http://10.77.0.2:8200", "", token="t"))[0]
    assert "is not a file on the controller" in connection_errors(Connection("https://10.77.0.2:8200", str(tmp_path / "no.pem"), token="t"))[0]
    assert "no Vault credentials" in connection_errors(Connection("http://127.0.0.1:8200", ""))[0]
    assert connection_errors(Connection("http://127.0.0.1:8200", "", token="t")) == []


def test_token_comes_from_the_environment_then_the_cli_file(tmp_path: pathlib.Path) -> None:
    token_file = tmp_path / ".vault-token"
    token_file.write_text("from-file\n")
    assert token_from({"VAULT_TOKEN": "from-env"}, str(token_file)) == "from-env"
    assert token_from({"BAO_TOKEN": "from-bao"}, str(token_file)) == "from-bao"
    assert token_from({}, str(token_file)) == "from-file"
    assert token_from({}, str(tmp_path / "absent")) == ""
