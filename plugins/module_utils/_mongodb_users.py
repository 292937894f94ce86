# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The logic of nova.dgx.mongodb_users: converge a list of MongoDB users over one connection.

Every user is read once (``usersInfo: {forAllDBs: true}, showCredentials: true``); each wanted
user is compared with what is stored (its SCRAM-SHA-256 keys recomputed from the wanted
password by _scram, its role set) and the plan holds only the commands that change something:
``createUser`` for a missing user, ``updateUser`` with ``pwd`` when the password (or the set of
mechanisms, which must be SCRAM-SHA-256 alone) differs, with ``roles`` when the role set
differs, and ``dropUser`` for users nobody listed when asked to remove them.

The server is reached through a ``connect(user, password, auth_database) -> run(database,
command) -> reply`` pair: PymongoConnector for the module, a fake in the unit tests. Passwords
appear only in the commands sent to the server; results and error texts name users only."""

from __future__ import annotations

import dataclasses
import typing as t

from ansible_collections.nova.dgx.plugins.module_utils._scram import SaslprepError, matches, saslprep

__all__ = ["MongoUsersError", "AuthenticationFailed", "CommandFailed", "MissingPymongo", "Wanted", "Plan", "PymongoConnector",
           "normalise_roles", "wanted_users", "create_command", "plan", "read_users", "bootstrap_candidate", "converge"]

MECHANISM = "SCRAM-SHA-256"
BOOTSTRAP_ROLES = frozenset({("root", "admin"), ("userAdminAnyDatabase", "admin")})
UNAUTHORIZED = 13
AUTHENTICATION_FAILED = 18
STATES_UNMANAGED = ("report", "remove")

Runner = t.Callable[[str, t.Dict[str, t.Any]], t.Dict[str, t.Any]]
Connect = t.Callable[[t.Optional[str], t.Optional[str], str], Runner]


class MongoUsersError(Exception):
    """A bad entry or a server refusal, said with the user it concerns and never a password."""


class MissingPymongo(MongoUsersError):
    """pymongo is not importable on the host."""


class CommandFailed(MongoUsersError):
    """The server answered a command with an error; ``code`` is MongoDB's error code."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class AuthenticationFailed(CommandFailed):
    """The login was refused (code 18): wrong password, or no such user yet."""


@dataclasses.dataclass(frozen=True)
class Wanted:
    """One user as listed: roles as a set of (role, database)."""

    name: str
    database: str
    password: str = dataclasses.field(repr=False)
    roles: frozenset[tuple[str, str]]

    @property
    def label(self) -> str:
        return f"{self.database}.{self.name}"


@dataclasses.dataclass
class Plan:
    """The commands to run, in order, and what they do, by user (database.name)."""

    commands: list[tuple[str, dict[str, t.Any]]] = dataclasses.field(default_factory=list, repr=False)
    created: list[str] = dataclasses.field(default_factory=list)
    updated_passwords: list[str] = dataclasses.field(default_factory=list)
    updated_roles: list[str] = dataclasses.field(default_factory=list)
    unmanaged: list[str] = dataclasses.field(default_factory=list)
    removed: list[str] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.commands)

    def result(self) -> dict[str, t.Any]:
        return {"changed": self.changed, "created": list(self.created), "updated_passwords": list(self.updated_passwords),
                "updated_roles": list(self.updated_roles), "unmanaged": list(self.unmanaged), "removed": list(self.removed)}


def normalise_roles(roles: t.Any, database: str) -> frozenset[tuple[str, str]]:
    """Roles as given (``{role, db}`` dicts, ``db`` defaulting to the user's database, or role
    names meaning a role in the user's database) as a set of (role, database)."""
    if roles is None:
        return frozenset()
    if not isinstance(roles, (list, tuple)):
        raise MongoUsersError(f"roles must be a list, not {type(roles).__name__}")
    out = set()
    for role in roles:
        if isinstance(role, str) and role:
            out.add((role, database))
        elif isinstance(role, dict):
            unknown = sorted(set(role) - {"role", "db"})
            if unknown:
                raise MongoUsersError(f"a role has unknown keys {', '.join(map(str, unknown))}; give role and db")
            name, db = role.get("role"), role.get("db", database)
            if not isinstance(name, str) or not name or not isinstance(db, str) or not db:
                raise MongoUsersError(f"a role needs a role name and a database as strings, got role {name!r}, db {db!r}")
            out.add((name, db))
        else:
            raise MongoUsersError(f"a role must be a role name or a {{role, db}} dict, not {role!r}")
    return frozenset(out)


def _role_list(roles: frozenset[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"role": role, "db": db} for role, db in sorted(roles)]


def wanted_users(users: t.Any) -> list[Wanted]:
    """The listed users, checked before anything runs: names, databases, non-empty passwords
    SASLprep accepts, roles, and no user listed twice."""
    if not isinstance(users, (list, tuple)):
        raise MongoUsersError("users must be a list")
    out: list[Wanted] = []
    seen = set()
    for index, user in enumerate(users):
        if not isinstance(user, dict):
            raise MongoUsersError(f"users[{index}] must be a dict with name, database, password and roles")
        name, database = user.get("name"), user.get("database") or "admin"
        if not isinstance(name, str) or not name or not isinstance(database, str):
            raise MongoUsersError(f"users[{index}] needs a name and a database as strings")
        label = f"{database}.{name}"
        password = user.get("password")
        if not isinstance(password, str) or not password:
            raise MongoUsersError(f"user {label} needs a non-empty password")
        try:
            saslprep(password)
        except SaslprepError as exc:
            raise MongoUsersError(f"the password of user {label} cannot be used with SCRAM-SHA-256: {exc}") from None
        try:
            roles = normalise_roles(user.get("roles") or [], database)
        except MongoUsersError as exc:
            raise MongoUsersError(f"user {label}: {exc}") from None
        if (database, name) in seen:
            raise MongoUsersError(f"user {label} is listed twice")
        seen.add((database, name))
        out.append(Wanted(name=name, database=database, password=password, roles=roles))
    return out


def _current_roles(info: dict[str, t.Any]) -> frozenset[tuple[str, str]]:
    return frozenset((str(role.get("role")), str(role.get("db"))) for role in info.get("roles") or [])


def _password_current(wanted: Wanted, info: dict[str, t.Any]) -> bool:
    credentials = info.get("credentials")
    if not isinstance(credentials, dict):
        raise MongoUsersError(f"usersInfo returned no credentials for user {wanted.label} (was showCredentials ignored?); "
                              "cannot tell whether its password is current")
    if set(credentials) != {MECHANISM}:
        return False
    return matches(wanted.password, credentials[MECHANISM])


def create_command(user: Wanted) -> dict[str, t.Any]:
    return {"createUser": user.name, "pwd": user.password, "roles": _role_list(user.roles), "mechanisms": [MECHANISM]}


def plan(current: list[dict[str, t.Any]], wanted: list[Wanted], state_unmanaged: str = "report",
         login: tuple[str, str] | None = None) -> Plan:
    """The commands that turn ``current`` (usersInfo's ``users``) into ``wanted``.

    ``login`` is (name, database) of the user the commands run as: its password change runs
    last, and removing it is refused."""
    if state_unmanaged not in STATES_UNMANAGED:
        raise MongoUsersError(f"state_unmanaged must be one of {', '.join(STATES_UNMANAGED)}, not {state_unmanaged!r}")
    present = {(str(info.get("db")), str(info.get("user"))): info for info in current}
    result = Plan()
    login_update: list[tuple[str, dict[str, t.Any]]] = []
    for user in wanted:
        info = present.get((user.database, user.name))
        if info is None:
            result.commands.append((user.database, create_command(user)))
            result.created.append(user.label)
            continue
        command: dict[str, t.Any] = {"updateUser": user.name}
        if not _password_current(user, info):
            command.update(pwd=user.password, mechanisms=[MECHANISM])
            result.updated_passwords.append(user.label)
        if _current_roles(info) != user.roles:
            command["roles"] = _role_list(user.roles)
            result.updated_roles.append(user.label)
        if len(command) > 1:
            (login_update if (user.name, user.database) == login else result.commands).append((user.database, command))
    listed = {(user.database, user.name) for user in wanted}
    for database, name in sorted(set(present) - listed):
        result.unmanaged.append(f"{database}.{name}")
        if state_unmanaged == "remove":
            if login is not None and (name, database) == login:
                raise MongoUsersError(f"user {database}.{name} is the login user and is not in users; "
                                      "refusing to remove the user this module logs in as (list it in users)")
            result.commands.append((database, {"dropUser": name}))
            result.removed.append(f"{database}.{name}")
    # The login user's own change last: its new password cannot lock out a command after it.
    result.commands.extend(login_update)
    return result


def read_users(run: Runner) -> list[dict[str, t.Any]]:
    """Every user in every database, with its stored SCRAM keys."""
    reply = run("admin", {"usersInfo": {"forAllDBs": True}, "showCredentials": True})
    users = reply.get("users")
    if not isinstance(users, list):
        raise MongoUsersError("usersInfo answered without a users list")
    return users


def bootstrap_candidate(wanted: list[Wanted], login_user: str | None, login_database: str) -> Wanted:
    """The listed user the localhost exception creates first: the login user when one is given,
    else the first listed admin; either way in database admin with root or userAdminAnyDatabase."""
    admins = [user for user in wanted if user.database == "admin" and user.roles & BOOTSTRAP_ROLES]
    if login_user:
        for user in admins:
            if (user.name, user.database) == (login_user, login_database):
                return user
        raise MongoUsersError(f"bootstrap_admin: the login user {login_database}.{login_user} must be in users, in database admin, "
                              "with the role root or userAdminAnyDatabase (on admin), to be created as the first user")
    if not admins:
        raise MongoUsersError("bootstrap_admin: no user in users is in database admin with the role root or userAdminAnyDatabase")
    return admins[0]


def _scrub(text: str, secrets: t.Iterable[t.Any]) -> str:
    for secret in sorted({s for s in secrets if isinstance(s, str) and s}, key=len, reverse=True):
        text = text.replace(secret, "********")
    return text


def converge(connect: Connect, users: t.Any, login_user: str | None = None, login_password: str | None = None,
             login_database: str = "admin", state_unmanaged: str = "report", bootstrap_admin: bool = False,
             check_mode: bool = False) -> dict[str, t.Any]:
    """Read, plan and (unless ``check_mode``) run; the module's result without ``msg``.

    With ``bootstrap_admin``, a login refused (or, without a login user, usersInfo refused)
    creates the first admin through the localhost exception, then logs in as it. In check mode
    that is predicted without asking the server (an unauthenticated client cannot read users):
    the admin and every other listed user would be created."""
    secrets = [login_password] + [user.get("password") for user in (users if isinstance(users, list) else []) if isinstance(user, dict)]
    try:
        return _converge(connect, users, login_user, login_password, login_database, state_unmanaged, bootstrap_admin, check_mode)
    except MongoUsersError as exc:
        scrubbed = _scrub(str(exc), secrets)
        if isinstance(exc, CommandFailed):
            raise type(exc)(scrubbed, exc.code) from None
        raise type(exc)(scrubbed) from None


def _converge(connect: Connect, users: t.Any, login_user: str | None, login_password: str | None, login_database: str,
              state_unmanaged: str, bootstrap_admin: bool, check_mode: bool) -> dict[str, t.Any]:
    wanted = wanted_users(users)
    if state_unmanaged not in STATES_UNMANAGED:
        raise MongoUsersError(f"state_unmanaged must be one of {', '.join(STATES_UNMANAGED)}, not {state_unmanaged!r}")
    login = (login_user, login_database) if login_user else None
    who = f"{login_database}.{login_user}" if login_user else "an unauthenticated client"
    run = connect(login_user, login_password, login_database)
    bootstrapped: Wanted | None = None
    try:
        current = read_users(run)
    except CommandFailed as exc:
        if exc.code not in (AUTHENTICATION_FAILED, UNAUTHORIZED):
            raise
        if not bootstrap_admin:
            raise MongoUsersError(f"cannot read the users as {who}: {exc}. Give login_user and login_password of a user with "
                                  "userAdminAnyDatabase, or bootstrap_admin on a server that has no users yet") from None
        bootstrapped = bootstrap_candidate(wanted, login_user, login_database)
        login = (bootstrapped.name, bootstrapped.database)
        if check_mode:
            current = []
        else:
            anonymous = connect(None, None, "admin")
            try:
                anonymous("admin", create_command(bootstrapped))
            except CommandFailed as refused:
                if refused.code != UNAUTHORIZED:
                    raise
                raise MongoUsersError(f"cannot read the users as {who} ({exc}), and the localhost exception is closed (the server "
                                      f"has users, or this is not a localhost connection): {refused}. Check login_user and "
                                      "login_password") from None
            run = connect(bootstrapped.name, bootstrapped.password, bootstrapped.database)
            current = read_users(run)
    planned = plan(current, wanted, state_unmanaged, login)
    if not check_mode:
        for done, (database, command) in enumerate(planned.commands):
            try:
                run(database, command)
            except MongoUsersError as exc:
                raise MongoUsersError(f"{exc} (after {done} of the {len(planned.commands)} planned commands had run)") from None
    result = planned.result()
    if bootstrapped is not None:  # first, as it runs first (in check mode, planned with the rest)
        result["created"] = [bootstrapped.label] + [label for label in result["created"] if label != bootstrapped.label]
        result["changed"] = True
    result["bootstrap"] = bootstrapped is not None
    return result


class PymongoConnector:
    """connect() over pymongo, which is imported here, when the module runs, and not before."""

    def __init__(self, host: str, port: int, timeout_ms: int = 10000) -> None:
        try:
            import pymongo
            from pymongo import errors
        except ImportError:
            raise MissingPymongo("pymongo is not installed on the host; install python3-pymongo (apt) first") from None
        self._pymongo, self._errors = pymongo, errors
        self.host, self.port, self.timeout_ms = host, int(port), int(timeout_ms)
        self._clients: list[t.Any] = []

    def __call__(self, user: str | None, password: str | None, database: str) -> Runner:
        options: dict[str, t.Any] = {"host": self.host, "port": self.port, "serverSelectionTimeoutMS": self.timeout_ms,
                                     "connectTimeoutMS": self.timeout_ms, "appname": "nova.dgx.mongodb_users"}
        if user:
            options.update(username=user, password=password, authSource=database, authMechanism=MECHANISM)
        client = self._pymongo.MongoClient(**options)
        self._clients.append(client)
        errors = self._errors

        def run(db: str, command: dict[str, t.Any]) -> dict[str, t.Any]:
            name = next(iter(command))
            try:
                return dict(client[db].command(command))
            except errors.OperationFailure as exc:
                details = exc.details if isinstance(exc.details, dict) else {}
                message = str(details.get("errmsg") or exc)
                if exc.code == AUTHENTICATION_FAILED:
                    raise AuthenticationFailed(f"authentication failed: {message}", exc.code) from None
                raise CommandFailed(f"{name} on {db} failed: {message} (code {exc.code})", exc.code) from None
            except errors.PyMongoError as exc:
                raise MongoUsersError(f"{name} on {db}: cannot talk to mongod at {self.host}:{self.port}: "
                                      f"{type(exc).__name__}: {exc}") from None
        return run

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients = []
