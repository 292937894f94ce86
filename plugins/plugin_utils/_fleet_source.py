# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks on a fleet file before it is loaded, and across several fleet files.

``source_errors`` reads the YAML event stream only (nothing is built), so an empty file, a file
that is not a mapping, or one with aliases (an alias bomb) is refused at once with a message.
``cross_file_errors`` compares a file's hosts with those other fleet files already added.
"""

from __future__ import annotations

import typing as t

import yaml

__all__ = ["cross_file_errors", "source_errors"]

_HELP = "see `ansible-doc -t inventory nova.dgx.fleet`"


def source_errors(text: str, source: str) -> list[str]:
    """Problems visible in the YAML itself: not YAML, empty, not a mapping, aliases."""
    if text.lstrip().startswith("$ANSIBLE_VAULT;"):
        return []  # a vault-encrypted file: Ansible's loader decrypts it, build_fleet checks the shape
    first: yaml.Event | None = None
    aliases: list[yaml.AliasEvent] = []
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, yaml.NodeEvent) and first is None:
                first = event
            if isinstance(event, yaml.AliasEvent):
                aliases.append(event)
    except yaml.YAMLError as exc:
        return [f"{source}: is not valid YAML: {' '.join(str(exc).split())[:300]}"]
    if first is None:
        return [f"{source}: is empty (or only comments); a fleet file needs 'plugin: nova.dgx.fleet' and a list of hosts; {_HELP}"]
    if not isinstance(first, yaml.MappingStartEvent):
        kind = "a list" if isinstance(first, yaml.SequenceStartEvent) else "a single value"
        return [f"{source}: the top level is {kind}; it must be a mapping with 'plugin: nova.dgx.fleet' and 'hosts'; {_HELP}"]
    if aliases:
        line = aliases[0].start_mark.line + 1 if aliases[0].start_mark else "?"
        more = f" (and {len(aliases) - 1} more)" if len(aliases) > 1 else ""
        return [f"{source}: line {line}: YAML alias *{aliases[0].anchor}{more}: aliases are not allowed in a fleet file; write the value out"]
    return []


def cross_file_errors(source: str, hosts: t.Mapping[str, t.Mapping[str, t.Any]],
                      existing: t.Mapping[str, t.Mapping[str, t.Any]]) -> list[str]:
    """Hosts of ``source`` that another fleet file already defines, and overlay addresses it already pins.

    ``existing`` maps host names already in the inventory to their variables; fleet hosts carry
    ``fleet_roles`` and ``inventory_file``, so hosts from other kinds of sources are left alone.
    """
    others = {name: v for name, v in existing.items() if "fleet_roles" in v and v.get("inventory_file") != source}
    owners = {address: (name, v.get("inventory_file")) for name, v in others.items() for address in v.get("wireguard_addresses", [])}
    errors = []
    for name, variables in hosts.items():
        if name in others:
            errors.append(f"host {name}: is also in {others[name].get('inventory_file')}; a host belongs to one fleet file")
        for address in variables.get("wireguard_addresses", []):
            if address in owners and owners[address][0] != name:
                other, where = owners[address]
                errors.append(f"host {name}: WireGuard address {address} is already host {other}'s in {where}; pin a free address")
    return errors
