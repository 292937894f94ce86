"""Input checks and derived settings of nova.dgx.postgresql (plugin_utils/_postgresql.py)."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._postgresql import (
    database_errors, grant_errors, hba_errors, memory_settings, role_errors, settings_errors)


@pytest.mark.parametrize(
    ("memory", "connections", "expected"),
    [
        (1024, 100, {"shared_buffers": "256MB", "effective_cache_size": "768MB", "maintenance_work_mem": "64MB", "work_mem": "4MB"}),
        # 128 GB: shared_buffers stops at 16 GB and maintenance_work_mem at 2 GB.
        (131072, 200, {"shared_buffers": "16384MB", "effective_cache_size": "98304MB", "maintenance_work_mem": "2048MB",
                       "work_mem": "81MB"}),
        ("512", "100", {"shared_buffers": "128MB", "effective_cache_size": "384MB", "maintenance_work_mem": "32MB", "work_mem": "4MB"}),
    ],
)
def test_memory_settings_are_whole_megabytes_with_caps(memory: object, connections: object, expected: dict[str, str]) -> None:
    assert memory_settings(memory, connections) == expected


def test_valid_input_has_no_problems() -> None:
    roles = [{"name": "app", "attributes": ["CREATEDB"], "member_of": ["readers"]}, {"name": "readers", "login": False}]
    databases = [{"name": "app", "owner": "app", "extensions": ["pgcrypto", "uuid-ossp"]}]
    grants = [{"database": "app", "role": "readers", "type": "table", "privs": ["SELECT"]},
              {"database": "app", "role": "app", "type": "sequence", "objs": ["orders_id_seq"], "privs": ["USAGE"]}]
    hba = [{"type": "host", "database": "app", "user": "app,+readers", "address": "10.99.0.0/25", "method": "scram-sha-256"},
           {"type": "local", "database": "all", "user": "app", "method": "peer"},
           {"type": "host", "database": "all", "user": "all", "address": "::1/128", "method": "reject"}]
    assert role_errors(roles) == []
    assert database_errors(databases, roles) == []
    assert grant_errors(grants, databases, roles) == []
    assert hba_errors(hba, ["10.99.0.0/24"], False) == []
    assert settings_errors({"work_mem": "8MB", "jit": False, "auto_explain.log_min_duration": 250}) == []


def test_duplicates_and_shapes_are_named() -> None:
    assert role_errors([{"name": "app"}, {"name": "app"}]) == ["postgresql_roles[1].name app is listed twice: give each role once"]
    assert role_errors("app") == ["postgresql_roles must be a list, got str 'app'; write it as a YAML list"]
    assert role_errors([{"login": True}]) == ["postgresql_roles[0] needs name"]
    assert database_errors([{"name": "app"}, "x"], []) == ["postgresql_databases[1] must be a mapping, got str 'x'"]


def test_hba_wider_than_the_overlay_needs_the_switch() -> None:
    wide = [{"type": "host", "database": "all", "user": "all", "address": "10.0.0.0/8", "method": "scram-sha-256"}]
    assert hba_errors(wide, ["10.99.0.0/24"], False) == [
        "postgresql_hba[0].address 10.0.0.0/8 is wider than the WireGuard network(s) (10.99.0.0/24) and loopback: narrow it,"
        " or set postgresql_hba_allow_wider: true"]
    assert hba_errors(wide, ["10.99.0.0/24"], True) == []
    # Without an overlay only loopback is allowed.
    assert "(none configured)" in hba_errors(wide, [], False)[0]


def test_hba_local_and_host_fields() -> None:
    assert hba_errors([{"type": "local", "database": "all", "user": "all", "address": "10.99.0.0/24", "method": "peer"}], [], False) == [
        "postgresql_hba[0].address is not used with type local (a socket has no address): leave it out"]
    assert hba_errors([{"type": "host", "database": "all", "user": "all", "method": "scram-sha-256"}], [], False) == [
        "postgresql_hba[0].address is needed with type host: a network in CIDR form such as 10.99.0.0/24"]
    assert hba_errors([{"type": "hostnossl", "database": "all", "user": "all", "method": "reject"}], [], False) == [
        "postgresql_hba[0].type must be one of host, hostssl, local, got str 'hostnossl'"]


def test_grants_check_privileges_per_type() -> None:
    dbs, roles = [{"name": "app"}], [{"name": "app"}]
    assert grant_errors([{"database": "app", "role": "app", "type": "database", "privs": ["SELECT"]}], dbs, roles) == [
        "postgresql_grants[0].privs[0] must be one of CONNECT, CREATE, TEMPORARY, ALL, got str 'SELECT'"]
    assert grant_errors([{"database": "app", "role": "app", "type": "default_privs", "privs": ["SELECT"]}], dbs, roles) == [
        "postgresql_grants[0].type must be one of table, sequence, function, schema, database, got str 'default_privs'"]
    assert grant_errors([{"database": "app", "role": "app", "type": "table", "objs": "orders", "privs": ["SELECT"]}], dbs, roles) == [
        "postgresql_grants[0].objs must be ALL_IN_SCHEMA or a list of table names, got str 'orders'"]


def test_settings_refuse_what_could_escape_the_file() -> None:
    assert settings_errors({"Work-Mem": 1}) == ["postgresql_settings key str 'Work-Mem' must be a setting name such as work_mem"]
    assert settings_errors({"search_path": ["a"]}) == ["postgresql_settings.search_path must be a number, a boolean or a string, got list ['a']"]
    assert settings_errors([]) == ["postgresql_settings must be a mapping of setting: value, got list []"]


def test_settings_the_role_owns_or_that_move_files_are_refused() -> None:
    assert settings_errors({"port": 5433}) == ["postgresql_settings.port is set through postgresql_port: set that instead"]
    assert settings_errors({"include_dir": "/tmp"}) == [
        "postgresql_settings.include_dir moves the server's files or pulls other files in: nova.dgx.postgresql keeps Debian's layout"]


def test_a_comment_cannot_smuggle_a_line_into_pg_hba() -> None:
    entry = {"type": "host", "database": "app", "user": "app", "address": "10.99.0.0/24", "method": "scram-sha-256",
             "comment": "ok\nhost all all 0.0.0.0/0 trust"}
    assert hba_errors([entry], ["10.99.0.0/24"], False) == [
        "postgresql_hba[0].comment must be one line of text, got str 'ok\\nhost all all 0.0.0.0/0 trust'"]
