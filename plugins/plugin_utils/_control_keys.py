# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The control node's account (nova.dgx.users): its settings checked, and the authorized_keys lines that let each
control node in, only from its own addresses."""

from __future__ import annotations

import base64
import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._accounts import group_list_errors
from ansible_collections.nova.dgx.plugins.plugin_utils._ssh_keys import public_key_error
from ansible_collections.nova.dgx.plugins.plugin_utils._validate import problem, shown

__all__ = ["control_addresses", "control_authorized_keys", "control_errors"]

# What may stand in a from="..." pattern list: addresses and host names, no quotes, commas or spaces.
_ADDRESS = re.compile(r"^[A-Za-z0-9_.:%-]{1,253}$")
_OPTIONS = "no-agent-forwarding,no-port-forwarding,no-X11-forwarding"


def control_errors(hosts: object, account: object, home: object, groups: object, inventory_hosts: t.Any, accounts: t.Any) -> list[str]:
    """Every problem in users_control_*, each naming the variable and the fix."""
    errors: list[str] = []
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        return [f"users_control_hosts must be a list of inventory host names, got {shown(hosts)}"]
    unknown = [h for h in hosts if h not in (inventory_hosts or [])]
    if unknown:
        errors.append(f"users_control_hosts names {', '.join(unknown)}, not in the inventory: name control nodes by their inventory names")
    if not hosts:
        return errors
    found = problem(account, "account name")
    if found:
        errors.append(f"users_control_account {found}, got {shown(account)}")
    elif account == "root":
        errors.append("users_control_account must not be root: name an account of its own, such as nova")
    elif account in [a.get("name") for a in accounts or [] if isinstance(a, dict)]:
        errors.append(f"users_control_account {account!r} is also in users_accounts: the control account is the users role's own; "
                      "remove it from users_accounts or choose another users_control_account")
    found = problem(home, "absolute path")
    if found:
        errors.append(f"users_control_home {found}, got {shown(home)}")
    elif str(home).rstrip("/") in ("", "/", "/home", "/var", "/var/lib", "/root", "/etc", "/usr", "/opt"):
        errors.append(f"users_control_home must be a directory of its own (such as /var/lib/nova), not {home}")
    return errors + group_list_errors("users_control_groups", groups)


def control_addresses(hosts: t.Any, hostvars: t.Any) -> dict[str, list[str]]:
    """The addresses each control node connects from: its inventory address (ansible_host, else its name) and its
    WireGuard address, without blanks or repeats. One rule for the users role's from="..." and n8n's AppRole CIDRs."""
    found: dict[str, list[str]] = {}
    for host in hosts or []:
        facts = hostvars[host] if host in hostvars else {}
        addresses = [str(facts.get("ansible_host") or host), str(facts.get("wireguard_address") or "")]
        found[str(host)] = list(dict.fromkeys(a for a in addresses if a))
    return found


def control_authorized_keys(results: t.Any, addresses: t.Any) -> list[str]:
    """One authorized_keys line per control node whose public key was read (slurp results, looped over the control
    nodes): the key, restricted to the node's addresses and without forwarding. A key or address that is not one
    (a changed file on the control node) is an error, not a line."""
    lines = []
    for result in results or []:
        if not isinstance(result, dict) or "content" not in result:
            continue
        host = str(result.get("item"))
        key = base64.b64decode(result["content"]).decode("utf-8", "replace").strip()
        error = public_key_error(key)
        if error:
            raise ValueError(f"the control node {host}'s public key is not one ({error}): remove it there and converge {host} again")
        sources = [str(a) for a in (addresses or {}).get(host) or []]
        bad = [a for a in sources if not _ADDRESS.match(a)]
        if bad or not sources:
            raise ValueError(f"the control node {host} has no usable address for from= ({', '.join(bad) or 'none'}): "
                             "set its ansible_host to an address or host name")
        lines.append(f'from="{",".join(sources)}",{_OPTIONS} {key}')
    return lines
