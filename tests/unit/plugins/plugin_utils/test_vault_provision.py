# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Provisioning against a real OpenBao 2.7.2 dev server: converge, no change on a second run, a
wrapped secret id that only unwrapping reveals, and an AppRole confined to its policy."""

from __future__ import annotations

import typing as t

import hvac
import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._secret import Connection, SecretError, read_or_create
from ansible_collections.nova.dgx.plugins.plugin_utils._vault_provision import provision, provision_errors, seconds, wrapped_secret_id
from ansible_collections.nova.dgx.tests.unit.openbao.server import DevServer

POLICIES = {
    "postgresql": 'path "nova/data/postgresql/*" { capabilities = ["create", "read", "update"] }\n',
    "monitoring": 'path "nova/data/monitoring/*" { capabilities = ["create", "read", "update"] }\n',
}
# The bound CIDRs: the server answers 127.0.0.1 for 127.0.0.1/32, which must not read as a change.
APPROLES = {"db-01": {"token_policies": ["postgresql"], "token_ttl": "15m", "secret_id_num_uses": 1,
                      "token_bound_cidrs": ["127.0.0.1/32"], "secret_id_bound_cidrs": ["127.0.0.0/8"]}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[DevServer]:
    bao = DevServer(tmp_path_factory.mktemp("openbao"))
    yield bao
    bao.stop()


def test_converges_then_reports_no_change(server: DevServer) -> None:
    conn = Connection(server.url, "", token=server.root_token)
    assert provision(conn, "platform", POLICIES, APPROLES, check_mode=True) == [
        "mount platform (kv v2)", "policy monitoring", "policy postgresql", "auth approle", "approle db-01"]
    admin = hvac.Client(url=server.url, token=server.root_token)
    assert "platform/" not in admin.sys.list_mounted_secrets_engines()["data"]  # check mode wrote nothing
    assert provision(conn, "platform", POLICIES, APPROLES) == [
        "mount platform (kv v2)", "policy monitoring", "policy postgresql", "auth approle", "approle db-01"]
    assert provision(conn, "platform", POLICIES, APPROLES) == []
    role = admin.auth.approle.read_role("db-01")["data"]
    assert role["token_ttl"] == 900 and role["token_policies"] == ["postgresql"]
    changed = {"db-01": {**APPROLES["db-01"], "token_ttl": "30m"}}
    assert provision(conn, "platform", POLICIES, changed) == ["approle db-01"]
    assert provision(conn, "platform", POLICIES, changed) == []


def test_a_wrapped_secret_id_logs_in_once_inside_its_policy(server: DevServer) -> None:
    conn = Connection(server.url, "", token=server.root_token)
    provision(conn, "nova", {"postgresql": POLICIES["postgresql"]}, APPROLES)
    issued = wrapped_secret_id(conn, "db-01", "60s", {"host": "db-01"})
    secret_id = hvac.Client(url=server.url, token=issued["wrapping_token"]).sys.unwrap()["data"]["secret_id"]
    with pytest.raises(hvac.exceptions.InvalidRequest, match="wrapping token is not valid"):  # single use: a second unwrap (an interceptor's) fails
        hvac.Client(url=server.url, token=issued["wrapping_token"]).sys.unwrap()
    as_host = Connection(server.url, "", role_id=issued["role_id"], secret_id=secret_id)
    assert read_or_create(as_host, "nova", "postgresql/app", "value", {"kind": "password", "length": 20})["created"]
    with pytest.raises(SecretError, match="refused the AppRole credentials"):  # secret_id_num_uses: 1
        read_or_create(as_host, "nova", "postgresql/app", "value", {"kind": "password", "length": 20})


def test_the_role_is_denied_outside_its_policy(server: DevServer) -> None:
    conn = Connection(server.url, "", token=server.root_token)
    provision(conn, "nova", POLICIES, {"db-02": {"token_policies": ["postgresql"]}})
    issued = wrapped_secret_id(conn, "db-02", "60s", {})
    secret_id = hvac.Client(url=server.url, token=issued["wrapping_token"]).sys.unwrap()["data"]["secret_id"]
    as_host = Connection(server.url, "", role_id=issued["role_id"], secret_id=secret_id)
    with pytest.raises(SecretError, match="denied .* to read nova/monitoring/grafana"):
        read_or_create(as_host, "nova", "monitoring/grafana", "value", {"kind": "password", "length": 20})


def test_another_engine_at_the_mount_is_an_error_not_overwritten(server: DevServer) -> None:
    hvac.Client(url=server.url, token=server.root_token).sys.enable_secrets_engine("kv", path="old", options={"version": "1"})
    with pytest.raises(SecretError, match="old/ is mounted as kv .* not KV v2"):
        provision(Connection(server.url, "", token=server.root_token), "old", {}, {})


def test_an_approle_alone_needs_its_policy_on_the_server(server: DevServer) -> None:
    """A role that manages only its own AppRole (nova.dgx.n8n's control node) names a policy the secrets layer wrote."""
    conn = Connection(server.url, "", token=server.root_token)
    alone = {"control-mgmt-01": {"token_policies": ["runner"], "token_ttl": "1h"}}
    assert provision_errors("alone", {}, alone) == []
    with pytest.raises(SecretError, match="the AppRole control-mgmt-01 needs the policy runner, which the server does not have"):
        provision(conn, "alone", {}, alone)
    provision(conn, "alone", {"runner": 'path "alone/data/*" { capabilities = ["read"] }\n'}, {})
    assert provision(conn, "alone", {}, alone) == ["approle control-mgmt-01"]
    assert provision(conn, "alone", {}, alone) == []


@pytest.mark.parametrize(("mount", "policies", "approles", "expected"), [
    ("Nova Secrets", {}, {}, "vault_kv_mount must be a mount name"),
    ("nova", {"root": 'path "x" {}'}, {}, "not a policy name this role may manage"),
    ("nova", {"pg": "capabilities"}, {}, "vault_policies.pg must be HCL with at least one path block"),
    ("nova", POLICIES, {"db-01": {"token_policies": ["mongodb"]}}, "names mongodb, which vault_policies does not define"),
    ("nova", POLICIES, {"db-01": {"token_policies": ["postgresql"], "token_ttl": "an hour"}}, "vault_approles.db-01.token_ttl must be a duration"),
    ("nova", POLICIES, {"db-01": {"token_policies": ["postgresql"], "period": 5}}, "vault_approles.db-01 has period"),
])
def test_bad_input_names_the_field(mount: str, policies: dict, approles: dict, expected: str) -> None:
    errors = provision_errors(mount, policies, approles)
    assert errors and expected in errors[0]


def test_durations() -> None:
    assert [seconds(v) for v in (90, "90s", "15m", "1h", "7d", "1.5h", True)] == [90, 90, 900, 3600, 604800, None, None]


def test_provided_secrets_are_seeded_once_and_never_overwritten(server: DevServer, tmp_path) -> None:
    from ansible_collections.nova.dgx.plugins.plugin_utils._vault_seed import seed, seed_errors  # noqa: PLC0415

    conn = Connection(server.url, "", token=server.root_token)
    provision(conn, "seeded", {}, {})
    key = tmp_path / "ngc-api-key"
    key.write_text("first-value\n")
    key.chmod(0o600)
    provided = {"ngc/api-key": {"value": str(key)}}
    assert seed_errors(provided) == []
    assert seed(conn, "seeded", provided, check_mode=True) == ["seeded/ngc/api-key"]
    assert read_or_create(conn, "seeded", "ngc/other", "value", {"kind": "random", "length": 8})["created"]  # the mount works
    assert seed(conn, "seeded", provided) == ["seeded/ngc/api-key"]
    key.write_text("second-value\n")
    assert seed(conn, "seeded", provided) == []  # the server holds the value now: the file is not read again
    assert read_or_create(conn, "seeded", "ngc/api-key", "value", {"kind": "provided"})["secret"] == "first-value"


def test_provided_files_are_checked_before_anything_is_written(tmp_path) -> None:
    from ansible_collections.nova.dgx.plugins.plugin_utils._vault_seed import seed_errors  # noqa: PLC0415

    loose = tmp_path / "loose"
    loose.write_text("x")
    loose.chmod(0o644)
    assert seed_errors({"ngc/api-key": {"value": str(loose)}}) == [
        f"vault_provided_files['ngc/api-key'].value: {loose} is readable by others: chmod 600 {loose}"]
    assert "does not exist on the controller" in seed_errors({"ngc/api-key": {"value": str(tmp_path / "none")}})[0]
    assert "must be an absolute file path" in seed_errors({"ngc/api-key": {"value": "relative"}})[0]
    assert "the path must look like ngc/api-key" in seed_errors({"NGC": {"value": str(loose)}})[0]
    assert "must map a secret's path" in seed_errors(["ngc/api-key"])[0]
