# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Accounts for nova.dgx.users: every problem in ``users_accounts``, and who joins a device group.

Each value goes through the one validation engine (``_validate``); this file knows only which
field is which kind and the rules that span fields (duplicates, the connection account).
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._ssh_keys import public_key_error
from ansible_collections.nova.dgx.plugins.plugin_utils._validate import problem, shown
from ansible_collections.nova.dgx.plugins.plugin_utils._types import yaml_kind

__all__ = ["account_errors", "device_group_members", "group_list_errors", "settings_errors"]

_SUDO_COMMAND = re.compile(r"ALL|/[^,:\n\\]*")
_STATES = ("present", "absent")
_FIELDS = {
    "name": "str",
    "state": "str",
    "uid": "int",
    "comment": "str",
    "shell": "str",
    "groups": "list",
    "device_groups": "bool",
    "authorized_keys": "list",
    "exclusive_keys": "bool",
    "sudo": "bool",
    "sudo_commands": "list",
    "remove_home": "bool",
}
_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "list": (list,), "bool": (bool,)}


def _where(index: int, account: t.Mapping[str, t.Any]) -> str:
    name = account.get("name")
    return f"users_accounts[{index}] ({name})" if isinstance(name, str) and name else f"users_accounts[{index}]"


def _type_errors(where: str, account: t.Mapping[str, t.Any]) -> list[str]:
    errors = []
    for field, value in account.items():
        kind = _FIELDS.get(field)
        if kind is None:
            errors.append(f"{where}: unknown field '{field}'; known fields: {', '.join(sorted(_FIELDS))}")
        # bool is an int in Python; a uid of true is still wrong.
        elif not isinstance(value, _TYPES[kind]) or (kind == "int" and isinstance(value, bool)):
            hint = f" (write it as a YAML list: {field}: [{value}])" if kind == "list" and isinstance(value, str) else ""
            errors.append(f"{where}: field '{field}' must be a {kind}, got {shown(value)}{hint}")
    return errors


def _field(where: str, field: str, value: object, kind: str) -> list[str]:
    found = problem(value, kind)
    return [f"{where}: field '{field}' {found}, got {shown(value)}"] if found else []


def _value_errors(where: str, account: t.Mapping[str, t.Any], connection_user: str) -> list[str]:
    name = account["name"]
    errors = _field(where, "name", name, "account name")
    if name == "root":
        errors.append(f"{where}: field 'name' is root; root is not a managed account (see users_lock_root)")
    state = account.get("state", "present")
    errors += _field(where, "state", state, f"one of {'|'.join(_STATES)}")
    if state == "absent" and connection_user and name == connection_user:
        errors.append(f"{where}: field 'state' is absent for {name}, the account Ansible connects as; that would lock Ansible out")
    uid = account.get("uid")
    if uid is not None and problem(uid, "int 1000-59999"):
        errors.append(f"{where}: field 'uid' must be a regular user id in 1000-59999, got {uid}")
    if "shell" in account:
        errors += _field(where, "shell", account["shell"], "absolute path")
    comment = account.get("comment")
    if isinstance(comment, str) and (":" in comment or "\n" in comment):
        errors.append(f"{where}: field 'comment' may not contain ':' or a line break, got {shown(comment)}")
    for pos, group in enumerate(account.get("groups") or []):
        errors += _field(where, f"groups[{pos}]", group, "account name")
    for pos, command in enumerate(account.get("sudo_commands") or []):
        if not isinstance(command, str) or not _SUDO_COMMAND.fullmatch(command):
            errors.append(f"{where}: field 'sudo_commands[{pos}]' must be ALL or an absolute path without ',' or ':', got {shown(command)}")
    for pos, key in enumerate(account.get("authorized_keys") or []):
        found = public_key_error(key)
        if found:
            errors.append(f"{where}: field 'authorized_keys[{pos}]' {found}")
    return errors


def account_errors(accounts: object, connection_user: str = "") -> list[str]:
    """Return every problem in ``users_accounts``, each naming the account and the field."""
    if not isinstance(accounts, list):
        return [f"users_accounts must be a list of accounts, got {yaml_kind(accounts)}"]
    errors: list[str] = []
    seen_names: dict[str, int] = {}
    seen_uids: dict[int, str] = {}
    for index, account in enumerate(accounts):
        if not isinstance(account, dict):
            errors.append(f"users_accounts[{index}] must be a mapping with at least 'name', got {yaml_kind(account)}")
            continue
        where = _where(index, account)
        if "name" not in account:
            errors.append(f"{where}: field 'name' is missing; every account needs a name")
        found = _type_errors(where, account)
        errors.extend(found)
        if found or "name" not in account:
            continue
        errors.extend(_value_errors(where, account, connection_user))
        name = account["name"]
        if name in seen_names:
            errors.append(f"{where}: field 'name' repeats users_accounts[{seen_names[name]}]; list each account once")
        seen_names.setdefault(name, index)
        uid = account.get("uid")
        if uid is not None and account.get("state", "present") == "present":
            if uid in seen_uids:
                errors.append(f"{where}: field 'uid' {uid} is already used by {seen_uids[uid]}")
            seen_uids.setdefault(uid, name)
    return errors


def settings_errors(groups: object, default_shell: object, sudoers_file: object, device_groups: object) -> list[str]:
    """Problems in the users role's other variables: group names, the default shell, the sudoers drop-in."""
    errors: list[str] = []
    if not isinstance(groups, list):
        errors.append(f"users_groups must be a list of {{name, gid}} mappings, got {shown(groups)}; write it as a YAML list")
    else:
        for pos, group in enumerate(groups):
            name = group.get("name") if isinstance(group, dict) else group
            found = problem(name, "account name")
            if found:
                errors.append(f"users_groups[{pos}]: field 'name' {found}, got {shown(name)}")
    for name, value, kind in (("users_default_shell", default_shell, "absolute path"),
                              ("users_sudoers_file", sudoers_file, "sudoers drop-in")):
        found = problem(value, kind)
        if found:
            errors.append(f"{name} {found}, got {shown(value)}")
    return errors + group_list_errors("users_device_groups", device_groups)


def group_list_errors(variable: str, groups: object) -> list[str]:
    """Problems in a variable that lists group names (users_device_groups, users_control_groups)."""
    if not isinstance(groups, list):
        return [f"{variable} must be a list of group names, got {shown(groups)}; write it as a YAML list"]
    return [f"{variable}[{pos}] {found}, got {shown(group)}" for pos, group in enumerate(groups) if (found := problem(group, "account name"))]


def device_group_members(accounts: t.Any, group: str, device_groups: t.Any) -> list[str]:
    """The present accounts nova.dgx.users puts in ``group``, when it is one of its device groups.

    Roles that create such a group later (docker) add the same members, so both roles agree.
    """
    if not isinstance(accounts, list) or group not in (device_groups or []):
        return []
    return [a["name"] for a in accounts if isinstance(a, dict) and isinstance(a.get("name"), str)
            and a.get("state", "present") == "present" and a.get("device_groups", True) is not False]
