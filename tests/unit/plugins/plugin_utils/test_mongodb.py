"""nova.dgx.mongodb's input checks and the user list it hands to nova.dgx.mongodb_users."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._mongodb import login_users, settings_errors, user_errors


def test_valid_users_and_settings_have_no_problems() -> None:
    users = [{"name": "app", "database": "app", "roles": ["readWrite", {"role": "read", "db": "reports"}]},
             {"name": "app", "database": "reports", "secret": "mongodb/reports/app"}]
    assert user_errors(users) == []
    assert settings_errors({"operationProfiling": {"mode": "slowOp", "slowOpThresholdMs": 200}, "setParameter": {"x": 1}}) == []


@pytest.mark.parametrize(("users", "expected"), [
    ([{"name": "app", "password": "hunter2"}], "mongodb_users[0] has unknown field(s) password; known: database, name, roles, secret"
                                               " (passwords come from the secrets server, never from variables)"),
    ([{"name": "nova_exporter"}], "mongodb_users[0].name nova_exporter is the role's own user"),
    ([{"name": "ops"}], "mongodb_users[0].name ops is the role's own user"),
    ([{"name": "app", "secret": "../x"}], "mongodb_users[0].secret must be a secret path such as mongodb/admin/app"),
    ([{"name": "app", "roles": [{"role": "read", "database": "x"}]}], "mongodb_users[0].roles[0] must be a role name or {role: NAME, db: DATABASE}"),
    ([{"name": "app", "roles": ["read;drop"]}], "mongodb_users[0].roles[0] names the role 'read;drop', which is no MongoDB role name"),
    ("app", "mongodb_users must be a list"),
])
def test_user_problems_name_the_field(users: object, expected: str) -> None:
    problems = user_errors(users, admin_user="ops")
    assert any(expected in problem for problem in problems), problems


def test_nested_owned_settings_are_refused_at_any_depth() -> None:
    problems = settings_errors({"storage": {"wiredTiger": {"engineConfig": {"cacheSizeGB": 4}}}, "systemLog": {"path": "/tmp/x"}})
    assert problems == ["mongodb_settings.storage.wiredTiger.engineConfig.cacheSizeGB is set through mongodb_cache_size_gb: set that instead",
                        "mongodb_settings.systemLog.path is set through the role (/var/log/mongodb/mongod.log): set that instead"]


def test_login_users_pairs_each_user_with_its_secret() -> None:
    results = [{"item": {"name": "nova_admin", "database": "admin", "roles": ["root"]}, "secret": "s1"},
               {"item": {"name": "app", "roles": ["readWrite"]}, "secret": "s2"}]
    assert login_users(results) == [{"name": "nova_admin", "database": "admin", "roles": ["root"], "password": "s1"},
                                    {"name": "app", "database": "admin", "roles": ["readWrite"], "password": "s2"}]
    with pytest.raises(TypeError):
        login_users({"results": results})
