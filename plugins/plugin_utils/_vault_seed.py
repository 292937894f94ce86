# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Provided secrets (an NGC API key, an S3 key: issued by someone else, never generated) seeded into the
KV mount from files on the controller, once: a path that exists is never written again, so the server,
not the file, is where the value lives and is rotated (private)."""

from __future__ import annotations

import os
import re
import stat
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._secret import Connection, SecretError, _read, _translated, client

__all__ = ["seed", "seed_errors"]

_PATH = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_.-]+)+$")
_FIELD = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def seed_errors(provided: t.Any) -> list[str]:
    """What is wrong with vault_provided_files ({path: {field: file}}), each naming the entry and the fix."""
    if not isinstance(provided, dict):
        return [f"vault_provided_files must map a secret's path to {{field: file on the controller}}, got {type(provided).__name__}"]
    errors = []
    for path, fields in provided.items():
        where = f"vault_provided_files[{path!r}]"
        if not isinstance(path, str) or not _PATH.match(path):
            errors.append(f"{where}: the path must look like ngc/api-key (lower case, at least two parts)")
            continue
        if not isinstance(fields, dict) or not fields:
            errors.append(f"{where} must map each field to a file, such as {{value: /secure/ngc-api-key}}")
            continue
        for field, name in fields.items():
            if not isinstance(field, str) or not _FIELD.match(field):
                errors.append(f"{where}: {field!r} is not a field name (lower case letters, digits, _)")
            elif not isinstance(name, str) or not os.path.isabs(os.path.expanduser(name)):
                errors.append(f"{where}.{field} must be an absolute file path on the controller, got {name!r}")
            elif not os.path.isfile(os.path.expanduser(name)):
                errors.append(f"{where}.{field}: {name} does not exist on the controller")
            elif stat.S_IMODE(os.stat(os.path.expanduser(name)).st_mode) & 0o077:
                errors.append(f"{where}.{field}: {name} is readable by others: chmod 600 {name}")
    return errors


def _value(name: str) -> str:
    with open(os.path.expanduser(name), encoding="utf-8") as handle:
        value = handle.read().strip()
    if not value:
        raise SecretError(f"{name} is empty: a provided secret is seeded from its value")
    return value


def seed(conn: Connection, mount: str, provided: dict[str, dict[str, str]], check_mode: bool = False) -> list[str]:
    """Writes each path the server lacks (check-and-set 0: create only); returns the paths written (or that would be)."""
    api = client(conn)
    written = []
    for path in sorted(provided):
        if _read(api, conn, mount, path) is not None:
            continue
        secret = {field: _value(name) for field, name in sorted(provided[path].items())}
        written.append(f"{mount}/{path}")
        if check_mode:
            continue
        with _translated(conn, "seed", f"{mount}/{path}"):
            api.secrets.kv.v2.create_or_update_secret(path=path, secret=secret, cas=0, mount_point=mount)
    return written
