#!/usr/bin/python
# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: wireguard_keypair
short_description: Keep a WireGuard private key on the host and return only its public key
version_added: 0.1.0
description:
  - Generates a WireGuard (Curve25519) private key on the managed host, stores it at O(path) owned
    by root with mode C(0600), and returns its public key. The private key is never returned,
    logged or shown in a diff.
  - Idempotent, an existing valid key is kept and only its mode and owner are corrected. With
    O(rotate=true) a new key replaces it.
  - Key generation and the public key are computed in pure Python (RFC 7748), so the host needs
    neither C(wg) nor an extra Python library.
author:
  - nova.dgx platform team (@nova-dgx)
options:
  path:
    description: Where the private key lives, for example C(/etc/wireguard/wg0.key). Its directory is created with mode C(0700).
    type: path
    required: true
  state:
    description: C(present) keeps a key there, C(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  rotate:
    description: Replace an existing key with a new one (the public key changes; peers must be updated).
    type: bool
    default: false
attributes:
  check_mode:
    description: Reports what would change without writing; a key to be created has no public key yet.
    support: full
  diff_mode:
    description: Shows the public key before and after; never the private key.
    support: full
notes:
  - In check mode a key that would be created has no public key yet, so RV(public_key) is null.
"""

EXAMPLES = r"""
- name: Keep wg0's private key on the host
  nova.dgx.wireguard_keypair:
    path: /etc/wireguard/wg0.key
  register: wg_key

- name: Show the public key (safe to share)
  ansible.builtin.debug:
    msg: "{{ wg_key.public_key }}"

- name: Rotate the key
  nova.dgx.wireguard_keypair:
    path: /etc/wireguard/wg0.key
    rotate: true
"""

RETURN = r"""
public_key:
  description: The public key, base64 as C(wg pubkey) prints it; null when absent or not yet created in check mode.
  returned: always
  type: str
  sample: HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=
created:
  description: Whether a new key was (or in check mode, would be) written, by creation or rotation.
  returned: always
  type: bool
"""

import os
import tempfile
import typing as t

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.nova.dgx.plugins.module_utils._x25519 import decode_key, generate_private_key, public_key


def _path_problem(path: str) -> str | None:
    """Why ``path`` cannot hold the key file (empty, a directory, under a regular file), with the fix; None when it can."""
    example = "/etc/wireguard/wg0.key"
    if not path.strip():
        return f"path is empty; give the private key's file, for example {example}"
    if path.endswith(os.sep) or os.path.isdir(path):
        return f"path {path} is a directory; give the key file inside it, for example {os.path.join(path, 'wg0.key')}"
    parent = os.path.dirname(path)
    while parent and not os.path.lexists(parent) and parent != os.path.dirname(parent):
        parent = os.path.dirname(parent)  # the nearest part of the path that exists
    if parent and os.path.lexists(parent) and not os.path.isdir(parent):
        return f"path {path} is under {parent}, which is a file, not a directory; choose a path such as {example}, or remove {parent}"
    return None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        return ""


def _write_atomically(path: str, text: str) -> None:
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".wg-key-", dir=directory)  # created 0600
    try:
        with os.fdopen(handle, "w", encoding="ascii") as stream:
            stream.write(text + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _fix_mode(module: AnsibleModule, path: str) -> bool:
    """Ensure root:root 0600 (owner only when running as root); True when something changed."""
    stat = os.stat(path)
    wrong_mode = stat.st_mode & 0o7777 != 0o600
    wrong_owner = os.geteuid() == 0 and (stat.st_uid, stat.st_gid) != (0, 0)
    if (wrong_mode or wrong_owner) and not module.check_mode:
        os.chmod(path, 0o600)
        if wrong_owner:
            os.chown(path, 0, 0)
    return wrong_mode or wrong_owner


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "rotate": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    path, state, rotate = module.params["path"], module.params["state"], module.params["rotate"]
    problem = _path_problem(path)
    if problem:
        module.fail_json(msg=problem, changed=False)
    try:
        current = _read(path)
    except OSError as exc:
        module.fail_json(msg=f"path {path} cannot be read: {exc.strerror or exc}; check the path and its permissions", changed=False)
    before = public_key(current) if current and decode_key(current) else None
    result: dict[str, t.Any] = {"changed": False, "created": False, "public_key": before}

    if state == "absent":
        if current is not None:
            result.update(changed=True, public_key=None)
            if not module.check_mode:
                os.unlink(path)
        result["diff"] = {"before": {"public_key": before}, "after": {"public_key": None}}
        module.exit_json(**result)

    if current is not None and before is None and not rotate:
        module.fail_json(
            msg=f"{path} exists but is not a WireGuard private key (44 characters of base64); "
            "fix or remove the file, or set rotate=true to replace it (peers then need the new public key)",
            **result,
        )
    if current is None or rotate:
        result.update(changed=True, created=True, public_key=None)
        if not module.check_mode:
            private = generate_private_key()
            _write_atomically(path, private)
            result["public_key"] = public_key(private)
            del private
    else:
        result["changed"] = _fix_mode(module, path)
    result["diff"] = {"before": {"public_key": before}, "after": {"public_key": result["public_key"] or "(new key)"}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
