# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova.dgx.mongodb_users' logic against a fake server that stores SCRAM keys the way MongoDB
does (usersInfo with showCredentials), checks logins against them and keeps the localhost
exception; no network, no pymongo."""

from __future__ import annotations

import copy
import json
import sys
import types
import typing as t

import pytest

from ansible_collections.nova.dgx.plugins.module_utils._mongodb_users import (AuthenticationFailed, CommandFailed, MissingPymongo,
                                                                              MongoUsersError, PymongoConnector, converge,
                                                                              normalise_roles, plan, wanted_users)
from ansible_collections.nova.dgx.plugins.module_utils._scram import make_credentials, matches

ITERATIONS = 4096  # MongoDB's minimum for SCRAM-SHA-256; keeps the tests fast


class FakeMongo:
    """Users keyed by (db, name), each {user, db, roles, credentials}; ``log`` holds (login,
    database, command name) for every command that reached it."""

    def __init__(self) -> None:
        self.users: dict[tuple[str, str], dict[str, t.Any]] = {}
        self.log: list[tuple[str | None, str, str]] = []
        self.sent: list[dict[str, t.Any]] = []
        self.localhost = True

    def add(self, name: str, db: str, password: str, roles: list[dict[str, str]],
            mechanisms: tuple[str, ...] = ("SCRAM-SHA-1", "SCRAM-SHA-256")) -> None:
        self.users[(db, name)] = {"_id": f"{db}.{name}", "user": name, "db": db, "roles": roles,
                                  "credentials": self._credentials(name, password, mechanisms), "mechanisms": list(mechanisms)}

    @staticmethod
    def _credentials(name: str, password: str, mechanisms: t.Iterable[str]) -> dict[str, t.Any]:
        return {mechanism: make_credentials(password, mechanism=mechanism, iterations=ITERATIONS, user=name) for mechanism in mechanisms}

    def connect(self, user: str | None, password: str | None, database: str) -> t.Callable[[str, dict[str, t.Any]], dict[str, t.Any]]:
        def run(db: str, command: dict[str, t.Any]) -> dict[str, t.Any]:
            name = next(iter(command))
            self.log.append((user and f"{database}.{user}", db, name))
            self.sent.append(copy.deepcopy(command))
            if user is not None:
                stored = self.users.get((database, user))
                if stored is None or not matches(str(password), stored["credentials"]["SCRAM-SHA-256"]):
                    raise AuthenticationFailed("authentication failed: Authentication failed.", 18)
            elif not (self.localhost and not self.users and name == "createUser" and db == "admin"):
                raise CommandFailed(f"{name} on {db} failed: command {name} requires authentication (code 13)", 13)
            return getattr(self, "_" + name)(db, command)
        return run

    def _usersInfo(self, db: str, command: dict[str, t.Any]) -> dict[str, t.Any]:  # MongoDB's command names
        assert db == "admin" and command == {"usersInfo": {"forAllDBs": True}, "showCredentials": True}
        return {"users": copy.deepcopy(list(self.users.values())), "ok": 1.0}

    def _createUser(self, db: str, command: dict[str, t.Any]) -> dict[str, t.Any]:
        if (db, command["createUser"]) in self.users:
            raise CommandFailed(f"User \"{command['createUser']}@{db}\" already exists (code 51003)", 51003)
        self.add(command["createUser"], db, command["pwd"], command["roles"], tuple(command.get("mechanisms", ("SCRAM-SHA-1", "SCRAM-SHA-256"))))
        return {"ok": 1.0}

    def _updateUser(self, db: str, command: dict[str, t.Any]) -> dict[str, t.Any]:
        stored = self.users[(db, command["updateUser"])]
        if "pwd" in command:
            mechanisms = command.get("mechanisms", stored["mechanisms"])
            stored["credentials"] = self._credentials(stored["user"], command["pwd"], mechanisms)
            stored["mechanisms"] = list(mechanisms)
        if "roles" in command:
            stored["roles"] = command["roles"]
        return {"ok": 1.0}

    def _dropUser(self, db: str, command: dict[str, t.Any]) -> dict[str, t.Any]:
        del self.users[(db, command["dropUser"])]
        return {"ok": 1.0}

    def commands(self) -> list[tuple[str, str]]:
        return [(db, name) for _login, db, name in self.log if name != "usersInfo"]


ADMIN = {"name": "admin", "database": "admin", "password": "admin-pw-1", "roles": ["root"]}
APP = {"name": "app", "database": "nova", "password": "app-pw-1", "roles": ["readWrite", {"role": "read", "db": "reporting"}]}
LOGIN = {"login_user": "admin", "login_password": "admin-pw-1"}


def _server_with_admin() -> FakeMongo:
    server = FakeMongo()
    server.add("admin", "admin", "admin-pw-1", [{"role": "root", "db": "admin"}], mechanisms=("SCRAM-SHA-256",))
    return server


def _no_secret_in(value: t.Any, *secrets: str) -> None:
    text = json.dumps(value) if not isinstance(value, str) else value
    for secret in secrets:
        assert secret not in text


# Roles and entries


def test_roles_normalise_to_a_set() -> None:
    assert normalise_roles(["readWrite", {"role": "read", "db": "reporting"}, {"role": "dbAdmin"}, "readWrite"], "nova") == {
        ("readWrite", "nova"), ("read", "reporting"), ("dbAdmin", "nova")}
    assert normalise_roles(None, "nova") == frozenset()


@pytest.mark.parametrize(("roles", "message"), [
    ([{"role": "read", "database": "x"}], "unknown keys database"),
    ([{"db": "x"}], "needs a role name"),
    ([3], "must be a role name or a"),
    ("readWrite", "must be a list"),
])
def test_bad_roles_are_refused(roles: t.Any, message: str) -> None:
    with pytest.raises(MongoUsersError, match=message):
        normalise_roles(roles, "nova")


@pytest.mark.parametrize(("users", "message"), [
    ([APP, dict(APP)], "user nova.app is listed twice"),
    ([dict(APP, password="")], "user nova.app needs a non-empty password"),
    ([dict(APP, roles=[{"role": "read", "dbs": "x"}])], "user nova.app: a role has unknown keys dbs"),
    ([{"database": "nova", "password": "x"}], r"users\[0\] needs a name"),
])
def test_bad_entries_are_refused_before_anything_runs(users: list, message: str) -> None:
    server = _server_with_admin()
    with pytest.raises(MongoUsersError, match=message):
        converge(server.connect, users, **LOGIN)
    assert server.log == []


def test_a_password_saslprep_refuses_is_named_by_user_only() -> None:
    with pytest.raises(MongoUsersError, match="password of user nova.app cannot be used with SCRAM-SHA-256") as raised:
        wanted_users([dict(APP, password="ring\u0007ring")])
    _no_secret_in(str(raised.value), "ring")


def test_database_defaults_to_admin() -> None:
    (user,) = wanted_users([{"name": "ops", "password": "ops-pw-3", "roles": ["clusterMonitor"]}])
    assert (user.database, user.roles) == ("admin", {("clusterMonitor", "admin")})
    _no_secret_in(repr(user), "ops-pw-3")


# Converging


def test_missing_users_are_created_with_scram_sha_256_only_then_nothing_changes() -> None:
    server = _server_with_admin()
    result = converge(server.connect, [ADMIN, APP], **LOGIN)
    assert result == {"changed": True, "created": ["nova.app"], "updated_passwords": [], "updated_roles": [], "unmanaged": [],
                      "removed": [], "bootstrap": False}
    assert server.sent[-1] == {"createUser": "app", "pwd": "app-pw-1", "mechanisms": ["SCRAM-SHA-256"],
                               "roles": [{"role": "read", "db": "reporting"}, {"role": "readWrite", "db": "nova"}]}
    assert list(server.sent[-1])[0] == "createUser"  # the command name first, as the server requires
    assert set(server.users[("nova", "app")]["credentials"]) == {"SCRAM-SHA-256"}

    again = converge(server.connect, [ADMIN, dict(APP, roles=[{"role": "read", "db": "reporting"}, {"role": "readWrite", "db": "nova"}])], **LOGIN)
    assert again["changed"] is False and again["created"] == []
    assert server.commands() == [("nova", "createUser")]
    _no_secret_in(result, "app-pw-1", "admin-pw-1")


def test_a_password_changed_by_hand_is_drift_and_corrected() -> None:
    server = _server_with_admin()
    server.add("app", "nova", "set-by-hand", [{"role": "readWrite", "db": "nova"}, {"role": "read", "db": "reporting"}], mechanisms=("SCRAM-SHA-256",))
    result = converge(server.connect, [ADMIN, APP], **LOGIN)
    assert (result["changed"], result["updated_passwords"], result["updated_roles"]) == (True, ["nova.app"], [])
    assert server.sent[-1] == {"updateUser": "app", "pwd": "app-pw-1", "mechanisms": ["SCRAM-SHA-256"]}
    assert matches("app-pw-1", server.users[("nova", "app")]["credentials"]["SCRAM-SHA-256"])
    assert converge(server.connect, [ADMIN, APP], **LOGIN)["changed"] is False
    _no_secret_in(result, "app-pw-1", "set-by-hand")


def test_a_role_granted_by_hand_is_drift_and_only_roles_are_sent() -> None:
    server = _server_with_admin()
    server.add("app", "nova", "app-pw-1", [{"role": "readWrite", "db": "nova"}, {"role": "read", "db": "reporting"},
                                           {"role": "dbOwner", "db": "nova"}], mechanisms=("SCRAM-SHA-256",))
    result = converge(server.connect, [ADMIN, APP], **LOGIN)
    assert (result["updated_passwords"], result["updated_roles"]) == ([], ["nova.app"])
    assert server.sent[-1] == {"updateUser": "app", "roles": [{"role": "read", "db": "reporting"}, {"role": "readWrite", "db": "nova"}]}
    assert converge(server.connect, [ADMIN, APP], **LOGIN)["changed"] is False


def test_sha1_credentials_beside_sha256_are_rewritten_away() -> None:
    server = _server_with_admin()
    server.add("app", "nova", "app-pw-1", [{"role": "readWrite", "db": "nova"}, {"role": "read", "db": "reporting"}])
    result = converge(server.connect, [ADMIN, APP], **LOGIN)
    assert result["updated_passwords"] == ["nova.app"]
    assert set(server.users[("nova", "app")]["credentials"]) == {"SCRAM-SHA-256"}


def test_unmanaged_users_are_reported_and_removed_only_when_asked() -> None:
    server = _server_with_admin()
    server.add("stray", "nova", "x", [])
    reported = converge(server.connect, [ADMIN], **LOGIN)
    assert (reported["changed"], reported["unmanaged"], reported["removed"]) == (False, ["nova.stray"], [])
    assert ("nova", "stray") in server.users

    removed = converge(server.connect, [ADMIN], state_unmanaged="remove", **LOGIN)
    assert (removed["changed"], removed["unmanaged"], removed["removed"]) == (True, ["nova.stray"], ["nova.stray"])
    assert server.commands() == [("nova", "dropUser")]
    assert ("nova", "stray") not in server.users


def test_the_login_user_is_never_removed() -> None:
    server = _server_with_admin()
    with pytest.raises(MongoUsersError, match="refusing to remove the user this module logs in as"):
        converge(server.connect, [APP], state_unmanaged="remove", **LOGIN)
    assert server.commands() == []


def test_the_login_users_own_password_changes_last() -> None:
    server = _server_with_admin()
    server.add("app", "nova", "old", [{"role": "readWrite", "db": "nova"}])
    server.add("stray", "nova", "x", [])
    result = converge(server.connect, [dict(ADMIN, password="admin-pw-2"), APP], state_unmanaged="remove", **LOGIN)
    assert result["updated_passwords"] == ["admin.admin", "nova.app"]
    assert server.commands() == [("nova", "updateUser"), ("nova", "dropUser"), ("admin", "updateUser")]
    assert converge(server.connect, [dict(ADMIN, password="admin-pw-2"), APP], login_user="admin", login_password="admin-pw-2")["changed"] is False


def test_check_mode_plans_the_same_and_runs_nothing() -> None:
    server = _server_with_admin()
    server.add("app", "nova", "set-by-hand", [{"role": "dbOwner", "db": "nova"}], mechanisms=("SCRAM-SHA-256",))
    server.add("stray", "nova", "x", [])
    before = copy.deepcopy(server.users)
    predicted = converge(server.connect, [ADMIN, APP, dict(APP, name="app2")], state_unmanaged="remove", check_mode=True, **LOGIN)
    assert [name for _login, _db, name in server.log] == ["usersInfo"]
    assert server.users == before
    done = converge(server.connect, [ADMIN, APP, dict(APP, name="app2")], state_unmanaged="remove", **LOGIN)
    assert predicted == done == {"changed": True, "created": ["nova.app2"], "updated_passwords": ["nova.app"], "updated_roles": ["nova.app"],
                                 "unmanaged": ["nova.stray"], "removed": ["nova.stray"], "bootstrap": False}


def test_usersinfo_without_credentials_is_an_error_not_a_change() -> None:
    server = _server_with_admin()
    server.add("app", "nova", "app-pw-1", [])
    del server.users[("nova", "app")]["credentials"]
    with pytest.raises(MongoUsersError, match="no credentials for user nova.app"):
        converge(server.connect, [ADMIN, APP], **LOGIN)


# Logging in and the first admin


def test_a_refused_login_without_bootstrap_says_what_to_do() -> None:
    server = _server_with_admin()
    with pytest.raises(MongoUsersError, match="cannot read the users as admin.admin: authentication failed") as raised:
        converge(server.connect, [ADMIN], login_user="admin", login_password="wrong-pw-9")
    _no_secret_in(str(raised.value), "wrong-pw-9", "admin-pw-1")


def test_bootstrap_creates_the_first_admin_through_the_localhost_exception() -> None:
    server = FakeMongo()
    result = converge(server.connect, [APP, ADMIN], bootstrap_admin=True, **LOGIN)
    assert result == {"changed": True, "created": ["admin.admin", "nova.app"], "updated_passwords": [], "updated_roles": [],
                      "unmanaged": [], "removed": [], "bootstrap": True}
    assert server.log[1] == (None, "admin", "createUser")  # unauthenticated: the localhost exception
    assert server.log[2:] == [("admin.admin", "admin", "usersInfo"), ("admin.admin", "nova", "createUser")]
    assert converge(server.connect, [APP, ADMIN], bootstrap_admin=True, **LOGIN) == dict(
        result, changed=False, created=[], bootstrap=False)


def test_bootstrap_without_a_login_user_picks_the_first_listed_admin() -> None:
    server = FakeMongo()
    result = converge(server.connect, [APP, ADMIN], bootstrap_admin=True)
    assert result["created"] == ["admin.admin", "nova.app"] and result["bootstrap"]


def test_bootstrap_in_check_mode_predicts_without_writing() -> None:
    server = FakeMongo()
    result = converge(server.connect, [APP, ADMIN], bootstrap_admin=True, check_mode=True, **LOGIN)
    assert result["changed"] and result["bootstrap"] and result["created"] == ["admin.admin", "nova.app"]
    assert server.users == {} and len(server.log) == 1


def test_bootstrap_on_a_server_with_users_fails_without_the_password() -> None:
    server = _server_with_admin()
    with pytest.raises(MongoUsersError, match="the localhost exception is closed") as raised:
        converge(server.connect, [dict(ADMIN, password="new-pw-7")], bootstrap_admin=True, login_user="admin", login_password="new-pw-7")
    _no_secret_in(str(raised.value), "new-pw-7", "admin-pw-1")


@pytest.mark.parametrize(("users", "login", "message"), [
    ([APP], LOGIN, "the login user admin.admin must be in users"),
    ([dict(ADMIN, roles=["readWriteAnyDatabase"])], LOGIN, "must be in users, in database admin, with the role root"),
    ([APP], {}, "no user in users is in database admin"),
])
def test_bootstrap_needs_a_listed_admin(users: list, login: dict, message: str) -> None:
    server = FakeMongo()
    with pytest.raises(MongoUsersError, match=message):
        converge(server.connect, users, bootstrap_admin=True, **login)
    assert server.users == {}


def test_useradminanydatabase_is_enough_to_bootstrap() -> None:
    server = FakeMongo()
    result = converge(server.connect, [dict(ADMIN, roles=["userAdminAnyDatabase", "readWriteAnyDatabase"])], bootstrap_admin=True, **LOGIN)
    assert result["created"] == ["admin.admin"]


def test_errors_from_the_server_are_scrubbed_of_passwords() -> None:
    def connect(user: str | None, password: str | None, database: str) -> t.Callable[[str, dict[str, t.Any]], dict[str, t.Any]]:
        def run(db: str, command: dict[str, t.Any]) -> dict[str, t.Any]:
            raise CommandFailed(f"server echoed {password} and {command}", 2)
        return run

    with pytest.raises(CommandFailed) as raised:
        converge(connect, [ADMIN], **LOGIN)
    assert raised.value.code == 2 and "********" in str(raised.value)
    _no_secret_in(str(raised.value), "admin-pw-1")


def test_a_command_failing_midway_says_how_far_it_got() -> None:
    server = _server_with_admin()
    server.add("app", "nova", "old", [])
    server.add("app2", "nova", "old", [])
    original = server._updateUser

    def refuse_second(db: str, command: dict[str, t.Any]) -> dict[str, t.Any]:
        if command["updateUser"] == "app2":
            raise CommandFailed("updateUser on nova failed: no (code 11)", 11)
        return original(db, command)

    server._updateUser = refuse_second  # type: ignore[method-assign]
    with pytest.raises(MongoUsersError, match=r"^updateUser on nova failed: no \(code 11\) \(after 1 of the 2 planned commands had run\)$"):
        converge(server.connect, [ADMIN, APP, dict(APP, name="app2")], **LOGIN)


def test_plan_refuses_an_unknown_state() -> None:
    with pytest.raises(MongoUsersError, match="state_unmanaged must be one of report, remove"):
        plan([], [], "purge")


# The pymongo adapter, against a stand-in pymongo module


class _OperationFailure(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code, self.details = code, {"errmsg": message, "code": code}


class _PyMongoError(Exception):
    pass


def _fake_pymongo(monkeypatch: pytest.MonkeyPatch, behaviour: t.Callable[[dict], dict]) -> list[dict[str, t.Any]]:
    made: list[dict[str, t.Any]] = []

    class Database:
        def __init__(self, name: str) -> None:
            self.name = name

        def command(self, command: dict) -> dict:
            return behaviour(command)

    class MongoClient:
        def __init__(self, **options: t.Any) -> None:
            made.append(options)
            self.closed = False

        def __getitem__(self, name: str) -> Database:
            return Database(name)

        def close(self) -> None:
            made.append({"closed": True})

    errors = types.ModuleType("pymongo.errors")
    errors.OperationFailure = _OperationFailure  # type: ignore[attr-defined]
    errors.PyMongoError = _PyMongoError  # type: ignore[attr-defined]
    pymongo = types.ModuleType("pymongo")
    pymongo.MongoClient = MongoClient  # type: ignore[attr-defined]
    pymongo.errors = errors  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pymongo", pymongo)
    monkeypatch.setitem(sys.modules, "pymongo.errors", errors)
    return made


def test_without_pymongo_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pymongo", None)
    with pytest.raises(MissingPymongo, match="install python3-pymongo"):
        PymongoConnector("127.0.0.1", 27017)


def test_pymongo_adapter_logs_in_with_scram_sha_256_and_translates_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def behaviour(command: dict) -> dict:
        if "usersInfo" in command:
            return {"users": [], "ok": 1.0}
        if "createUser" in command:
            raise _OperationFailure("Authentication failed.", 18)
        if "updateUser" in command:
            raise _OperationFailure("not authorized on admin to execute command", 13)
        raise _PyMongoError("connection refused")

    made = _fake_pymongo(monkeypatch, behaviour)
    connector = PymongoConnector("127.0.0.1", 27017, timeout_ms=500)
    run = connector("admin", "admin-pw-1", "admin")
    assert run("admin", {"usersInfo": {"forAllDBs": True}, "showCredentials": True}) == {"users": [], "ok": 1.0}
    assert made[0] == {"host": "127.0.0.1", "port": 27017, "serverSelectionTimeoutMS": 500, "connectTimeoutMS": 500,
                       "appname": "nova.dgx.mongodb_users", "username": "admin", "password": "admin-pw-1", "authSource": "admin",
                       "authMechanism": "SCRAM-SHA-256"}
    with pytest.raises(AuthenticationFailed) as failed:
        run("admin", {"createUser": "x"})
    assert failed.value.code == 18
    with pytest.raises(CommandFailed, match=r"updateUser on admin failed: not authorized .* \(code 13\)") as refused:
        run("admin", {"updateUser": "x"})
    assert refused.value.code == 13
    with pytest.raises(MongoUsersError, match="dropUser on nova: cannot talk to mongod at 127.0.0.1:27017: _PyMongoError"):
        run("nova", {"dropUser": "x"})
    anonymous = connector(None, None, "admin")
    anonymous("admin", {"usersInfo": 1})
    assert "username" not in made[1]
    connector.close()
    assert made[2:] == [{"closed": True}, {"closed": True}]
