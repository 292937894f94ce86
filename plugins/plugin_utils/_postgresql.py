# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks and derived values for nova.dgx.postgresql, shared by its filters and unit tests (private)."""

from __future__ import annotations

import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._validate import integer, invalid, network, problem, shown

__all__ = ["database_errors", "grant_errors", "hba_errors", "memory_settings", "role_errors", "settings_errors"]

_SETTING = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?")
_RESERVED_DATABASES = ("postgres", "template0", "template1")
# Roles the role itself owns: the superuser it logs in as and the exporter's peer-authenticated login.
_RESERVED_ROLES = ("postgres", "prometheus", "public")
_ATTRIBUTES = ("CREATEDB", "CREATEROLE", "INHERIT", "NOINHERIT", "REPLICATION", "BYPASSRLS", "NOCREATEDB", "NOCREATEROLE")
_PRIVS = {
    "table": ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "ALL"),
    "sequence": ("USAGE", "SELECT", "UPDATE", "ALL"),
    "function": ("EXECUTE", "ALL"),
    "schema": ("USAGE", "CREATE", "ALL"),
    "database": ("CONNECT", "CREATE", "TEMPORARY", "ALL"),
}
_HBA_TYPES = ("host", "hostssl", "local")
_HBA_METHODS = ("scram-sha-256", "peer", "reject")
_ROLE_FIELDS = {"name", "login", "attributes", "conn_limit", "member_of", "secret"}
_DATABASE_FIELDS = {"name", "owner", "encoding", "locale", "extensions"}
_GRANT_FIELDS = {"database", "role", "type", "schema", "objs", "privs"}
_HBA_FIELDS = {"type", "database", "user", "address", "method", "comment"}


def _identifier(value: object, name: str) -> list[str]:
    found = problem(value, "sql identifier")
    return [f"{name} {found}, got {shown(value)}"] if found else []


def _entries(value: object, name: str, fields: set[str], required: tuple[str, ...]) -> tuple[list[str], list[tuple[str, dict[str, t.Any]]]]:
    """Problems with the list's shape, and (name[i], entry) for each entry that is a mapping with its required fields."""
    if not isinstance(value, (list, tuple)):
        return [f"{name} must be a list, got {shown(value)}; write it as a YAML list"], []
    problems: list[str] = []
    good: list[tuple[str, dict[str, t.Any]]] = []
    for index, entry in enumerate(value):
        where = f"{name}[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be a mapping, got {shown(entry)}")
            continue
        unknown = sorted(set(entry) - fields)
        missing = [field for field in required if field not in entry]
        if unknown:
            problems.append(f"{where} has unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(fields))}")
        if missing:
            problems.append(f"{where} needs {', '.join(missing)}")
        if not missing:
            good.append((where, entry))
    return problems, good


def role_errors(roles: object, name: str = "postgresql_roles") -> list[str]:
    """Problems with ``postgresql_roles``: identifiers, reserved names, attributes, secret paths, duplicates."""
    problems, entries = _entries(roles, name, _ROLE_FIELDS, ("name",))
    seen: set[str] = set()
    for where, role in entries:
        role_name = role["name"]
        found = _identifier(role_name, f"{where}.name")
        if not found and (role_name in _RESERVED_ROLES or role_name.startswith("pg_")):
            found = [f"{where}.name {role_name} is reserved (postgres, prometheus, public and pg_*): nova.dgx.postgresql manages those itself"]
        if not found and role_name in seen:
            found = [f"{where}.name {role_name} is listed twice: give each role once"]
        seen.add(str(role_name))
        problems += found
        problems += invalid(role.get("login", True), f"{where}.login", "bool")
        attributes = role.get("attributes", [])
        if not isinstance(attributes, list):
            problems.append(f"{where}.attributes must be a list such as [CREATEDB], got {shown(attributes)}")
        else:
            problems += [f"{where}.attributes[{i}] must be one of {', '.join(_ATTRIBUTES)} (SUPERUSER is never granted here), got {shown(a)}"
                         for i, a in enumerate(attributes) if a not in _ATTRIBUTES]
        if "conn_limit" in role:
            problems += invalid(role["conn_limit"], f"{where}.conn_limit", "int -1-10000")
        members = role.get("member_of", [])
        if not isinstance(members, list):
            problems.append(f"{where}.member_of must be a list of role names, got {shown(members)}")
        else:
            for i, member in enumerate(members):
                problems += _identifier(member, f"{where}.member_of[{i}]")
        secret = role.get("secret", f"postgresql/{role_name}")
        if not isinstance(secret, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*", secret):
            problems.append(f"{where}.secret must be a secret path such as postgresql/{role_name}, got {shown(secret)}")
    return problems


def database_errors(databases: object, roles: object, name: str = "postgresql_databases") -> list[str]:
    """Problems with ``postgresql_databases``; an owner must be a role from ``roles`` or postgres."""
    problems, entries = _entries(databases, name, _DATABASE_FIELDS, ("name",))
    known_roles = {r.get("name") for r in roles if isinstance(r, dict)} if isinstance(roles, list) else set()
    seen: set[str] = set()
    for where, database in entries:
        db_name = database["name"]
        found = _identifier(db_name, f"{where}.name")
        if not found and db_name in _RESERVED_DATABASES:
            found = [f"{where}.name {db_name} is one of PostgreSQL's own databases ({', '.join(_RESERVED_DATABASES)}): pick another name"]
        if not found and db_name in seen:
            found = [f"{where}.name {db_name} is listed twice: give each database once"]
        seen.add(str(db_name))
        problems += found
        owner = database.get("owner", "postgres")
        if owner != "postgres" and owner not in known_roles:
            problems.append(f"{where}.owner {owner!r} is not in postgresql_roles: add the role there, or leave owner out (postgres)")
        encoding = database.get("encoding", "UTF8")
        if not isinstance(encoding, str) or not re.fullmatch(r"[A-Z0-9_]+", encoding):
            problems.append(f"{where}.encoding must be a PostgreSQL encoding name such as UTF8, got {shown(encoding)}")
        locale = database.get("locale", "C.UTF-8")
        if not isinstance(locale, str) or not re.fullmatch(r"[A-Za-z0-9_.@-]+", locale):
            problems.append(f"{where}.locale must be a locale name such as C.UTF-8 or en_US.UTF-8, got {shown(locale)}")
        extensions = database.get("extensions", [])
        if not isinstance(extensions, list):
            problems.append(f"{where}.extensions must be a list of extension names, got {shown(extensions)}")
        else:
            for i, extension in enumerate(extensions):
                if not isinstance(extension, str) or not re.fullmatch(r"[a-z_][a-z0-9_-]{0,62}", extension):
                    problems.append(f"{where}.extensions[{i}] must be an extension name such as pg_stat_statements, got {shown(extension)}")
    return problems


def grant_errors(grants: object, databases: object, roles: object, name: str = "postgresql_grants") -> list[str]:
    """Problems with ``postgresql_grants``: known database and role, a type, and privileges that type has."""
    problems, entries = _entries(grants, name, _GRANT_FIELDS, ("database", "role", "type", "privs"))
    known_dbs = {d.get("name") for d in databases if isinstance(d, dict)} if isinstance(databases, list) else set()
    known_roles = {r.get("name") for r in roles if isinstance(r, dict)} if isinstance(roles, list) else set()
    for where, grant in entries:
        if grant["database"] not in known_dbs:
            problems.append(f"{where}.database {grant['database']!r} is not in postgresql_databases: add it there first")
        if grant["role"] not in known_roles:
            problems.append(f"{where}.role {grant['role']!r} is not in postgresql_roles: add it there first")
        kind = grant["type"]
        if kind not in _PRIVS:
            problems.append(f"{where}.type must be one of {', '.join(_PRIVS)}, got {shown(kind)}")
            continue
        privs = grant["privs"]
        if not isinstance(privs, list) or not privs:
            problems.append(f"{where}.privs must be a non-empty list such as [SELECT], got {shown(privs)}")
        else:
            problems += [f"{where}.privs[{i}] must be one of {', '.join(_PRIVS[kind])}, got {shown(p)}"
                         for i, p in enumerate(privs) if p not in _PRIVS[kind]]
        if kind != "database":
            problems += _identifier(grant.get("schema", "public"), f"{where}.schema")
        objs = grant.get("objs", "ALL_IN_SCHEMA" if kind in ("table", "sequence", "function") else None)
        if kind in ("table", "sequence", "function") and objs != "ALL_IN_SCHEMA":
            if not isinstance(objs, list) or not objs:
                problems.append(f"{where}.objs must be ALL_IN_SCHEMA or a list of {kind} names, got {shown(objs)}")
            else:
                for i, obj in enumerate(objs):
                    problems += _identifier(obj, f"{where}.objs[{i}]")
    return problems


def hba_errors(entries_value: object, allowed: object, allow_wider: bool, name: str = "postgresql_hba") -> list[str]:
    """Problems with ``postgresql_hba``: types, methods, networks without host bits, none wider than ``allowed``."""
    problems, entries = _entries(entries_value, name, _HBA_FIELDS, ("type", "database", "user", "method"))
    allowed_nets = [n for n in (network(a) for a in (allowed if isinstance(allowed, list) else [])) if n is not None]
    allowed_nets += [network("127.0.0.0/8"), network("::1/128")]
    for where, entry in entries:
        kind, method = entry["type"], entry["method"]
        comment = entry.get("comment", "")
        if not isinstance(comment, str) or "\n" in comment or "\r" in comment:
            problems.append(f"{where}.comment must be one line of text, got {shown(comment)}")
        if kind not in _HBA_TYPES:
            problems.append(f"{where}.type must be one of {', '.join(_HBA_TYPES)}, got {shown(kind)}")
            continue
        if method not in _HBA_METHODS:
            problems.append(f"{where}.method must be one of {', '.join(_HBA_METHODS)}, got {shown(method)}")
        elif method == "peer" and kind != "local":
            problems.append(f"{where}.method peer works only with type local (a socket), got type {kind}: use scram-sha-256 for {kind}")
        for field in ("database", "user"):
            value = entry[field]
            if value not in ("all", "sameuser", "samerole", "replication") and not (
                    isinstance(value, str) and all(not problem(v.removeprefix("+"), "sql identifier")
                                                   for v in value.split(","))):
                problems.append(f"{where}.{field} must be all or comma-separated SQL identifiers (+role for members), got {shown(value)}")
        if kind == "local":
            if "address" in entry:
                problems.append(f"{where}.address is not used with type local (a socket has no address): leave it out")
            continue
        if "address" not in entry:
            problems.append(f"{where}.address is needed with type {kind}: a network in CIDR form such as 10.99.0.0/24")
            continue
        found = invalid(entry["address"], f"{where}.address", "network")
        problems += found
        if found or allow_wider:
            continue
        net = network(entry["address"])
        if net is not None and not any(net.version == a.version and net in a for a in allowed_nets):
            within = ", ".join(str(a) for a in allowed_nets[:-2]) or "none configured"
            problems.append(f"{where}.address {entry['address']} is wider than the WireGuard network(s) ({within}) and loopback: "
                            "narrow it, or set postgresql_hba_allow_wider: true")
    return problems


# Settings the role owns through its own variables (the firewall, backups and verify follow them),
# and the file directives that would pull other files in or move the server's files.
_OWNED_SETTINGS = {"port": "postgresql_port", "listen_addresses": "postgresql_listen_addresses",
                   "max_connections": "postgresql_max_connections", "password_encryption": "the role (scram-sha-256)"}
_REFUSED_SETTINGS = ("include", "include_dir", "include_if_exists", "data_directory", "config_file", "hba_file", "ident_file",
                     "unix_socket_directories", "external_pid_file")


def settings_errors(settings: object, name: str = "postgresql_settings") -> list[str]:
    """Problems with ``postgresql_settings``: names PostgreSQL could know, none the role owns, scalar values (postgres -C checks the rest)."""
    if not isinstance(settings, dict):
        return [f"{name} must be a mapping of setting: value, got {shown(settings)}"]
    problems = []
    for key, value in settings.items():
        if not isinstance(key, str) or not _SETTING.fullmatch(key):
            problems.append(f"{name} key {shown(key)} must be a setting name such as work_mem")
        elif key in _OWNED_SETTINGS:
            problems.append(f"{name}.{key} is set through {_OWNED_SETTINGS[key]}: set that instead")
        elif key in _REFUSED_SETTINGS:
            problems.append(f"{name}.{key} moves the server's files or pulls other files in: nova.dgx.postgresql keeps Debian's layout")
        elif isinstance(value, (dict, list)) or value is None:
            problems.append(f"{name}.{key} must be a number, a boolean or a string, got {shown(value)}")
        elif isinstance(value, str) and ("\n" in value or "'" in value):
            problems.append(f"{name}.{key} must be one line without single quotes, got {shown(value)}")
    return problems


def memory_settings(memory_mb: object, max_connections: object) -> dict[str, str]:
    """Memory settings derived from the memory PostgreSQL may use, as whole MB (no 1GB/1024MB ambiguity)."""
    memory = integer(memory_mb) or 0
    connections = max(integer(max_connections) or 100, 1)
    return {
        "shared_buffers": f"{min(memory // 4, 16384)}MB",
        "effective_cache_size": f"{memory * 3 // 4}MB",
        "maintenance_work_mem": f"{max(min(memory // 16, 2048), 16)}MB",
        "work_mem": f"{max(4, memory // 4 // connections // 2)}MB",
    }
