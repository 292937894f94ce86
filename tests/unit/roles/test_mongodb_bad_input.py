"""Bad input to nova.dgx.mongodb fails before anything on a host changes (see conftest.py)."""

from __future__ import annotations

import pytest

PINNED = {"mongodb_repository_key_sha256": "a" * 64, "mongodb_exporter": False}


CASES = [
    ({"mongodb_exporter": False}, "mongodb_repository_key_sha256 is empty: download https://pgp.mongodb.com/server-8.0.asc"
                                  " on a trusted machine, check with `gpg --show-keys` that its fingerprint is"
                                  " 4B0752C1BCA238C0B4EE14DC41DE058A4E7DCA05"),
    ({**PINNED, "mongodb_repository_key_sha256": "ABC"}, "mongodb_repository_key_sha256 must be a SHA-256 checksum"),
    ({**PINNED, "mongodb_version": "7.0.28"}, "mongodb_version must be a MongoDB 8.0 release such as 8.0.16"),
    ({**PINNED, "mongodb_bind_addresses": ["10.99.0.12"]}, "mongodb_bind_addresses must include 127.0.0.1"),
    ({**PINNED, "mongodb_bind_addresses": ["127.0.0.1", "0.0.0.0/0"]}, "mongodb_bind_addresses[1] must be an IPv4 or IPv6 address"),
    ({**PINNED, "mongodb_port": 70000}, "mongodb_port must be"),
    ({**PINNED, "mongodb_exporter_port": 27017}, "mongodb_exporter_port must differ from mongodb_port"),
    ({**PINNED, "mongodb_cache_size_gb": 0.1}, "mongodb_cache_size_gb must be at least 0.25"),
    ({**PINNED, "mongodb_cache_size_gb": "lots"}, "mongodb_cache_size_gb must be a number of GB"),
    ({**PINNED, "mongodb_unmanaged_users": "drop"}, "value of mongodb_unmanaged_users must be one of: report, remove"),
    ({**PINNED, "mongodb_settings": {"security": {"authorization": "disabled"}}},
     "mongodb_settings.security.authorization is set through the role (always enabled): set that instead"),
    ({**PINNED, "mongodb_settings": {"net": {"bindIpAll": True}}}, "mongodb_settings.net.bindIpAll is set through mongodb_bind_addresses"),
    ({**PINNED, "mongodb_settings": {"storage": {"dbPath": "/tmp/db"}}}, "mongodb_settings.storage.dbPath is set through the role"),
    ({**PINNED, "mongodb_settings": {"sytemLog": {"verbosity": 1}}}, "mongodb_settings.sytemLog is no mongod.conf section"),
    ({**PINNED, "mongodb_users": [{"name": "app", "database": "my.db"}]},
     "mongodb_users[0].database must be a MongoDB database name of 1 to 63 characters"),
    ({**PINNED, "mongodb_users": [{"name": "app user"}]}, "mongodb_users[0].name must be a user name"),
    # The argument spec refuses it first; the role's own check says why (see test_mongodb_filters).
    ({**PINNED, "mongodb_users": [{"name": "app", "password": "hunter2"}]},
     "mongodb_users.password. Supported parameters include: database, name, roles, secret"),
    ({**PINNED, "mongodb_users": [{"name": "nova_admin"}]}, "mongodb_users[0].name nova_admin is the role's own user"),
    ({**PINNED, "mongodb_users": [{"name": "app", "database": "app"}, {"name": "app", "database": "app"}]},
     "mongodb_users[1] lists app.app twice"),
    ({**PINNED, "mongodb_users": [{"name": "app", "roles": [{"role": "read", "db": "a b"}]}]},
     "mongodb_users[0].roles[0].db must be a MongoDB database name"),
    ({**PINNED, "mongodb_users": [{"name": "app", "roles": "readWrite"}]}, "mongodb_users[0].roles must be a list"),
]


@pytest.mark.parametrize(("variables", "expected"), CASES)
def test_bad_input_fails_before_the_host(role_batch, variables, expected) -> None:
    role_batch("nova.dgx.mongodb", CASES).failed_before_any_host(variables, expected)


def test_valid_input_reaches_the_host(run_role) -> None:
    run_role.reached_the_host(run_role("nova.dgx.mongodb", {**PINNED, "mongodb_users": [{"name": "app", "database": "app",
                                                                                        "roles": ["readWrite"]}]}),
                              "Gather the facts this role needs")
