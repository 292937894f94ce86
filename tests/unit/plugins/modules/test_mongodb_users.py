# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova.dgx.mongodb_users through ansible-playbook, against a stand-in pymongo put on the module's
PYTHONPATH: a "server" kept in a JSON file that stores SCRAM keys, refuses wrong logins and keeps
the localhost exception. Check, run, check, run; then drift; and no password in any output."""

from __future__ import annotations

import importlib.util
import json
import pathlib

import pytest

from ansible_collections.nova.dgx.tests.unit.plugins.modules._run_task import run_task

FAKE_PYMONGO = '''
import json
import os

from pymongo.errors import OperationFailure

STATE = os.environ["FAKE_MONGO_STATE"]


class MongoClient:
    def __init__(self, host, port, username=None, password=None, authSource="admin", **options):
        self.login = (authSource, username, password) if username else None

    def __getitem__(self, name):
        return _Database(self, name)

    def close(self):
        pass


class _Database:
    def __init__(self, client, name):
        self.client, self.name = client, name

    def command(self, command):
        from ansible_collections.nova.dgx.plugins.module_utils._scram import make_credentials, matches
        users = json.load(open(STATE)) if os.path.exists(STATE) else {}
        name = next(iter(command))
        with open(STATE + ".log", "a") as log:
            log.write(name + "\\n")
        if self.client.login:
            db, user, password = self.client.login
            stored = users.get(db + "." + user)
            if stored is None or not matches(password, stored["credentials"]["SCRAM-SHA-256"]):
                raise OperationFailure("Authentication failed.", 18)
        elif users or name != "createUser" or self.name != "admin":
            raise OperationFailure("command " + name + " requires authentication", 13)
        if name == "usersInfo":
            return {"users": list(users.values()), "ok": 1.0}
        key = self.name + "." + command[name]
        if name == "createUser":
            users[key] = {"user": command[name], "db": self.name, "roles": command["roles"], "credentials": {}}
        if name in ("createUser", "updateUser"):
            if "pwd" in command:
                users[key]["credentials"] = {"SCRAM-SHA-256": make_credentials(command["pwd"], iterations=4096)}
            if "roles" in command:
                users[key]["roles"] = command["roles"]
        if name == "dropUser":
            del users[key]
        with open(STATE, "w") as out:
            json.dump(users, out)
        return {"ok": 1.0}
'''

FAKE_ERRORS = '''
class PyMongoError(Exception):
    pass


class OperationFailure(PyMongoError):
    def __init__(self, error, code=None, details=None):
        super().__init__(error)
        self.code, self.details = code, details or {"errmsg": error, "code": code}
'''

USERS = [{"name": "admin", "password": "admin-pw-1", "roles": ["root"]},
         {"name": "app", "database": "nova", "password": "app-pw-1", "roles": ["readWrite", {"role": "read", "db": "reporting"}]}]
PASSWORDS = ("admin-pw-1", "app-pw-1")


def _task(users: list[dict], **options: object) -> str:
    args = {"login_user": "admin", "login_password": "admin-pw-1", "bootstrap_admin": True, "users": users, **options}
    return f"nova.dgx.mongodb_users: {json.dumps(args)}\n      ignore_errors: true"


def _fake_server(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    package = tmp_path / "fake" / "pymongo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(FAKE_PYMONGO)
    (package / "errors.py").write_text(FAKE_ERRORS)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "fake"))
    state = tmp_path / "mongo.json"
    monkeypatch.setenv("FAKE_MONGO_STATE", str(state))
    return state


def _clean(result: dict) -> None:
    text = json.dumps(result)
    for secret in PASSWORDS:
        assert secret not in text


def test_check_run_check_run_then_drift(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = _fake_server(tmp_path, monkeypatch)

    planned = run_task(tmp_path, _task(USERS), "--check")
    assert planned.get("failed") is not True, planned["_output"]
    assert (planned["changed"], planned["bootstrap"], planned["created"]) == (True, True, ["admin.admin", "nova.app"])
    assert not state.exists()

    done = run_task(tmp_path, _task(USERS))
    assert (done["changed"], done["bootstrap"], done["created"]) == (True, True, ["admin.admin", "nova.app"]), done["_output"]
    assert run_task(tmp_path, _task(USERS), "--check")["changed"] is False
    again = run_task(tmp_path, _task(USERS))
    assert (again["changed"], again["created"], again["updated_passwords"], again["bootstrap"]) == (False, [], [], False)

    users = json.loads(state.read_text())
    users["nova.app"]["roles"].append({"role": "dbOwner", "db": "nova"})
    users["nova.stray"] = {"user": "stray", "db": "nova", "roles": [], "credentials": {}}
    state.write_text(json.dumps(users))
    drift = run_task(tmp_path, _task(USERS, state_unmanaged="remove"))
    assert (drift["changed"], drift["updated_roles"], drift["updated_passwords"], drift["removed"]) == (True, ["nova.app"], [], ["nova.stray"])
    assert set(json.loads(state.read_text())) == {"admin.admin", "nova.app"}
    for result in (planned, done, again, drift):
        _clean(result)


def test_a_refused_login_fails_without_the_password(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_server(tmp_path, monkeypatch)
    assert run_task(tmp_path, _task(USERS))["changed"] is True
    # The passwords come in as variables, as in a role, so that the play's own text holds none.
    (tmp_path / "vars.json").write_text(json.dumps({"wrong": "wrong-pw-9", "pw": "admin-pw-1", "app": "app-pw-1"}))
    users = [dict(USERS[0], password="{{ pw }}"), dict(USERS[1], password="{{ app }}")]
    refused = run_task(tmp_path, _task(users, login_password="{{ wrong }}", bootstrap_admin=False), "-vvv", "-e", f"@{tmp_path / 'vars.json'}")
    assert refused["failed"] and "cannot read the users as admin.admin: authentication failed" in refused["msg"], refused["_output"]
    for secret in ("wrong-pw-9",) + PASSWORDS:
        assert secret not in refused["_output"]


@pytest.mark.skipif(importlib.util.find_spec("pymongo") is not None, reason="pymongo is installed here")
def test_without_pymongo_it_says_what_to_install(tmp_path: pathlib.Path) -> None:
    result = run_task(tmp_path, _task(USERS))
    assert result["failed"] and "install python3-pymongo" in result["msg"], result["_output"]
