"""Bad input to nova.dgx.postgresql fails before anything on a host changes (see conftest.py)."""

from __future__ import annotations

import pytest

APP = {"postgresql_roles": [{"name": "app"}], "postgresql_databases": [{"name": "app", "owner": "app"}]}


CASES = [
    ({"postgresql_databases": [{"name": "my-db"}]},
     "postgresql_databases[0].name must be an SQL identifier: a lower-case letter or _, then lower-case letters, digits or _,"
     " at most 63 characters, got str 'my-db'"),
    ({"postgresql_databases": [{"name": "template1"}]}, "postgresql_databases[0].name template1 is one of PostgreSQL's own databases"),
    ({"postgresql_databases": [{"name": "app", "owner": "nobody"}]}, "postgresql_databases[0].owner 'nobody' is not in postgresql_roles"),
    ({"postgresql_roles": [{"name": "app"}, {"name": "App User"}]},
     "postgresql_roles[1].name must be an SQL identifier: a lower-case letter or _, then lower-case letters, digits or _,"
     " at most 63 characters, got str 'App User'"),
    ({"postgresql_roles": [{"name": "pg_admin"}]}, "postgresql_roles[0].name pg_admin is reserved"),
    ({"postgresql_roles": [{"name": "app", "attributes": ["SUPERUSER"]}]},
     "postgresql_roles[0].attributes[0] must be one of CREATEDB, CREATEROLE, INHERIT, NOINHERIT, REPLICATION, BYPASSRLS"),
    ({"postgresql_roles": [{"name": "app", "passwd": "x"}]}, "postgresql_roles[0] has unknown field(s) passwd"),
    ({**APP, "postgresql_grants": [{"database": "app", "role": "app", "type": "table", "privs": ["READ"]}]},
     "postgresql_grants[0].privs[0] must be one of SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, ALL, got str 'READ'"),
    ({**APP, "postgresql_grants": [{"database": "other", "role": "app", "type": "database", "privs": ["CONNECT"]}]},
     "postgresql_grants[0].database 'other' is not in postgresql_databases"),
    ({"postgresql_hba": [{"type": "host", "database": "all", "user": "all", "address": "10.99.0.1/24", "method": "scram-sha-256"}]},
     "postgresql_hba[0].address must be a network in CIDR form without host bits (here 10.99.0.0/24), got str '10.99.0.1/24'"),
    ({"postgresql_hba": [{"type": "host", "database": "all", "user": "all", "address": "10.99.0.0/33", "method": "scram-sha-256"}]},
     "postgresql_hba[0].address must be a network in CIDR form without host bits"),
    ({"postgresql_hba": [{"type": "host", "database": "all", "user": "all", "address": "10.99.0.0/24", "method": "md5"}]},
     "postgresql_hba[0].method must be one of scram-sha-256, peer, reject, got str 'md5'"),
    ({"postgresql_hba": [{"type": "host", "database": "all", "user": "all", "address": "10.99.0.0/24", "method": "trust"}]},
     "postgresql_hba[0].method must be one of scram-sha-256, peer, reject, got str 'trust'"),
    ({"postgresql_hba": [{"type": "host", "database": "all", "user": "all", "address": "10.99.0.0/24", "method": "peer"}]},
     "postgresql_hba[0].method peer works only with type local"),
    ({"wireguard_networks": ["10.99.0.0/24"],
      "postgresql_hba": [{"type": "host", "database": "all", "user": "all", "address": "0.0.0.0/0", "method": "scram-sha-256"}]},
     "postgresql_hba[0].address 0.0.0.0/0 is wider than the WireGuard network(s) (10.99.0.0/24) and loopback: narrow it,"
     " or set postgresql_hba_allow_wider: true"),
    ({"postgresql_hba": [{"type": "host", "database": "all; drop", "user": "all", "address": "10.99.0.0/24", "method": "scram-sha-256"}]},
     "postgresql_hba[0].database must be all or comma-separated SQL identifiers"),
    ({"postgresql_settings": {"work_mem": "4MB'\ninclude '/tmp/x"}}, "postgresql_settings.work_mem must be one line without single quotes"),
    ({"postgresql_listen_addresses": ["10.99.0.13"]}, "postgresql_listen_addresses must include loopback"),
    ({"postgresql_listen_addresses": ["127.0.0.1", "*"]}, "postgresql_listen_addresses[1] must be an IPv4 or IPv6 address"),
    ({"postgresql_exporter_port": 5432}, "postgresql_exporter_port must differ from postgresql_port"),
    ({"postgresql_version": "9.6"}, "postgresql_version must be a PostgreSQL major from 13 to 19"),
    ({"postgresql_source": "pgdg", "postgresql_version": "17"}, "postgresql_pgdg_key_sha256 is empty: download"),
    ({"postgresql_memory_mb": 64}, "postgresql_memory_mb must be a whole number from 256 to 4194304, got int 64"),
    ({"postgresql_source": "source"}, "value of postgresql_source must be one of: os, pgdg"),
]


@pytest.mark.parametrize(("variables", "expected"), CASES)
def test_bad_input_fails_before_any_host_is_touched(role_batch, variables: dict, expected: str) -> None:
    role_batch("nova.dgx.postgresql", CASES).failed_before_any_host(variables, expected)


def test_valid_input_passes_preflight_and_reaches_the_host(run_role) -> None:
    variables = {**APP, "wireguard_networks": ["10.99.0.0/24"],
                 "postgresql_grants": [{"database": "app", "role": "app", "type": "table", "privs": ["SELECT", "INSERT"]}],
                 "postgresql_hba": [{"type": "host", "database": "app", "user": "app", "address": "10.99.0.0/24", "method": "scram-sha-256"}]}
    run_role.reached_the_host(run_role("nova.dgx.postgresql", variables), "Gather the facts this role needs")


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"postgresql_settings": {"port": 5433}}, "postgresql_settings.port is set through postgresql_port: set that instead"),
        ({"postgresql_hba": [{"type": "host", "database": "app", "user": "app", "address": "10.99.0.0/24", "method": "scram-sha-256",
                              "comment": "x\nhost all all 0.0.0.0/0 trust"}]}, "postgresql_hba[0].comment must be one line of text"),
    ],
)
def test_input_that_would_escape_the_role_is_refused(run_role, variables: dict, expected: str) -> None:
    run_role.failed_before_any_host(run_role("nova.dgx.postgresql", variables), expected)
