# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks for nova.dgx.mongodb's input, shared by its filters and unit tests (private)."""

from __future__ import annotations

import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._validate import shown

__all__ = ["login_users", "settings_errors", "user_errors"]

# User names: what MongoDB allows is wider, but these survive URIs, shells and journal rows unquoted.
_USER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
# Database names: MongoDB refuses / \ . " $ space and NUL, and more than 63 bytes.
_DATABASE = re.compile(r"[A-Za-z0-9_-]{1,63}")
_SECRET = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
_USER_FIELDS = {"name", "database", "roles", "secret"}
# Users the role creates itself: its admin (named by mongodb_admin_user) and the exporter's login.
_OWN_USERS = ("nova_exporter", "nova_backup")
_BUILTIN_ROLES = ("read", "readWrite", "dbAdmin", "dbOwner", "userAdmin", "clusterAdmin", "clusterManager", "clusterMonitor",
                  "hostManager", "backup", "restore", "readAnyDatabase", "readWriteAnyDatabase", "userAdminAnyDatabase",
                  "dbAdminAnyDatabase", "root", "enableSharding", "directShardOperations", "searchCoordinator")
# Settings the role writes from its own variables, and settings it refuses (they move files or turn auth off).
_OWNED = {"net.port": "mongodb_port", "net.bindIp": "mongodb_bind_addresses", "net.bindIpAll": "mongodb_bind_addresses",
          "security.authorization": "the role (always enabled)", "storage.dbPath": "the role (Debian's layout, /var/lib/mongodb)",
          "systemLog.path": "the role (/var/log/mongodb/mongod.log)", "systemLog.destination": "the role (file)",
          "net.unixDomainSocket": "the role (/run/mongodb)", "processManagement.fork": "systemd (never fork)",
          "storage.wiredTiger.engineConfig.cacheSizeGB": "mongodb_cache_size_gb"}
_SECTIONS = ("systemLog", "storage", "net", "security", "processManagement", "operationProfiling", "setParameter", "replication",
             "auditLog", "sharding")


def _database(value: object, where: str) -> list[str]:
    if isinstance(value, str) and _DATABASE.fullmatch(value):
        return []
    return [f"{where} must be a MongoDB database name of 1 to 63 characters from A-Z a-z 0-9 _ -, got {shown(value)}"]


def _roles(roles: object, where: str) -> list[str]:
    if not isinstance(roles, list):
        return [f"{where} must be a list such as [readWrite, {{role: read, db: reports}}], got {shown(roles)}"]
    problems = []
    for index, role in enumerate(roles):
        at = f"{where}[{index}]"
        if isinstance(role, dict):
            unknown = sorted(set(role) - {"role", "db"})
            if unknown or not isinstance(role.get("role"), str) or not role.get("role"):
                problems.append(f"{at} must be a role name or {{role: NAME, db: DATABASE}}, got {shown(role)}")
                continue
            name = role["role"]
            if "db" in role:
                problems += _database(role["db"], f"{at}.db")
        elif isinstance(role, str) and role:
            name = role
        else:
            problems.append(f"{at} must be a role name or {{role: NAME, db: DATABASE}}, got {shown(role)}")
            continue
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}", name):
            problems.append(f"{at} names the role {name!r}, which is no MongoDB role name (built-in: {', '.join(_BUILTIN_ROLES[:6])}, ...)")
    return problems


def user_errors(users: object, admin_user: object = "nova_admin", name: str = "mongodb_users") -> list[str]:
    """Problems with ``mongodb_users``: names, databases, roles, secret paths, duplicates, names the role keeps for itself."""
    if not isinstance(users, (list, tuple)):
        return [f"{name} must be a list, got {shown(users)}; write it as a YAML list"]
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for index, user in enumerate(users):
        where = f"{name}[{index}]"
        if not isinstance(user, dict):
            problems.append(f"{where} must be a mapping with name, database and roles, got {shown(user)}")
            continue
        unknown = sorted(set(user) - _USER_FIELDS)
        if unknown:
            problems.append(f"{where} has unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(_USER_FIELDS))}"
                            " (passwords come from the secrets server, never from variables)")
        user_name = user.get("name")
        if not isinstance(user_name, str) or not _USER.fullmatch(user_name):
            problems.append(f"{where}.name must be a user name: a letter or _, then letters, digits, _ . -, at most 64 characters,"
                            f" got {shown(user_name)}")
            continue
        database = user.get("database", "admin")
        problems += _database(database, f"{where}.database")
        if user_name == admin_user or user_name in _OWN_USERS:
            problems.append(f"{where}.name {user_name} is the role's own user (mongodb_admin_user, nova_exporter, nova_backup):"
                            " nova.dgx.mongodb manages it itself")
        key = (str(database), user_name)
        if key in seen:
            problems.append(f"{where} lists {database}.{user_name} twice: give each user once per database")
        seen.add(key)
        problems += _roles(user.get("roles", []), f"{where}.roles")
        secret = user.get("secret", f"mongodb/{database}/{user_name}")
        if not isinstance(secret, str) or not _SECRET.fullmatch(secret) or {'.', '..'} & set(secret.split('/')):
            problems.append(f"{where}.secret must be a secret path such as mongodb/{database}/{user_name}, got {shown(secret)}")
    if not isinstance(admin_user, str) or not _USER.fullmatch(admin_user):
        problems.append(f"mongodb_admin_user must be a user name such as nova_admin, got {shown(admin_user)}")
    return problems


def _flatten(settings: dict[str, t.Any], prefix: str = "") -> t.Iterator[tuple[str, t.Any]]:
    for key, value in settings.items():
        path = f"{prefix}{key}"
        yield path, value
        if isinstance(value, dict):
            yield from _flatten(value, path + ".")


def settings_errors(settings: object, name: str = "mongodb_settings") -> list[str]:
    """Problems with ``mongodb_settings`` (mongod.conf's tree): known sections, none the role owns; mongod checks the rest."""
    if not isinstance(settings, dict):
        return [f"{name} must be a mapping in mongod.conf's shape, such as {{operationProfiling: {{mode: slowOp}}}}, got {shown(settings)}"]
    problems = []
    for section in settings:
        if section not in _SECTIONS:
            problems.append(f"{name}.{section} is no mongod.conf section; known: {', '.join(_SECTIONS)}")
    for path, value in _flatten(settings):
        if not isinstance(path.rsplit(".", 1)[-1], str) or not re.fullmatch(r"[A-Za-z0-9_.]+", path):
            problems.append(f"{name} key {shown(path)} must be an option name such as operationProfiling.mode")
        elif path in _OWNED:
            problems.append(f"{name}.{path} is set through {_OWNED[path]}: set that instead")
        elif isinstance(value, str) and "\n" in value:
            problems.append(f"{name}.{path} must be one line, got {shown(value)}")
    return problems


def login_users(results: object) -> list[dict[str, t.Any]]:
    """The users for nova.dgx.mongodb_users from the registered results of reading their secrets (item + secret)."""
    if not isinstance(results, list):
        raise TypeError("mongodb_login_users needs the results list of a looped nova.dgx.secret task")
    return [{"name": r["item"]["name"], "database": r["item"].get("database", "admin"), "roles": r["item"].get("roles", []),
             "password": r["secret"]} for r in results]
