# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The n8n control node's known_hosts (nova.dgx.n8n): the fleet's host keys as the controller read them (private)."""

from __future__ import annotations

import base64
import re
import typing as t

__all__ = ["known_hosts"]

_KEY = re.compile(r"(ssh-ed25519|ecdsa-sha2-nistp256|ssh-rsa) ([A-Za-z0-9+/]+={0,2})(\s.*)?")
_NAMES = re.compile(r"[A-Za-z0-9_.:\[\]%,-]+")


def known_hosts(results: t.Any, names: t.Any) -> str:
    """One known_hosts line per host whose key was read (slurp results looped over the fleet), named as ssh will
    look it up; hosts that could not be read are listed in a comment, so the file says what it lacks."""
    lines, missing = [], []
    for result in results or []:
        host = str(result.get("item")) if isinstance(result, dict) else "?"
        if not isinstance(result, dict) or "content" not in result:
            missing.append(host)
            continue
        match = _KEY.fullmatch(base64.b64decode(result["content"]).decode("utf-8", "replace").strip())
        label = str((names or {}).get(host) or "")
        if not match or not _NAMES.fullmatch(label):
            raise ValueError(f"{host}'s SSH host key or address is not usable for known_hosts: check /etc/ssh/ssh_host_ed25519_key.pub "
                             "and its ansible_host")
        lines.append(f"{label} {match.group(1)} {match.group(2)}")
    header = ["# Written by nova.dgx.n8n: the fleet's SSH host keys, as the controller read them."]
    if missing:
        header.append(f"# Not read (unreachable or no ed25519 key): {', '.join(sorted(missing))}")
    return "\n".join(header + sorted(lines)) + "\n"
