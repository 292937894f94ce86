# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Firewall rules as data, checked and turned into nftables statements for the input chain.

A rule is a mapping: ``name`` (required), ``proto`` (tcp or udp), ``ports`` (ports or
``low-high`` ranges), ``sources`` (CIDRs; empty means from anywhere), ``interfaces`` (input
interface names), ``comment``, ``state`` (present or absent). A rule needs ports or interfaces.
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._netaddr import require_netaddr
from ansible_collections.nova.dgx.plugins.plugin_utils._types import yaml_kind
from ansible_collections.nova.dgx.plugins.plugin_utils._validate import invalid

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
_INTERFACE = re.compile(r"^[A-Za-z0-9_.:+-]{1,15}\*?$")
_FIELDS = {"name", "proto", "ports", "sources", "interfaces", "comment", "state"}


def rule_errors(rule: object, where: str) -> list[str]:
    """Every problem in one rule; ``where`` names it in messages (e.g. ``firewall_rules[2]``)."""
    if not isinstance(rule, dict):
        return [f"{where} must be a mapping with name, proto and ports, got {yaml_kind(rule)}"]
    name = rule.get("name")
    if isinstance(name, str) and _NAME.match(name):
        where = f"{where} ({name})"
    else:
        return [f"{where}: field 'name' must match {_NAME.pattern} (it names the drop-in file), got {name!r}"]
    errors = [f"{where}: unknown field '{key}'; known fields: {', '.join(sorted(_FIELDS))}" for key in rule if key not in _FIELDS]
    errors += invalid(rule.get("proto", "tcp"), f"{where}: field 'proto'", "one of tcp|udp")
    errors += invalid(rule.get("state", "present"), f"{where}: field 'state'", "one of present|absent")
    errors += invalid(rule.get("ports", []), f"{where}: field 'ports'", "list of port or range")
    errors += invalid(rule.get("sources", []), f"{where}: field 'sources'", "list of cidr")
    interfaces = rule.get("interfaces", [])
    if not isinstance(interfaces, list) or not all(isinstance(i, str) and _INTERFACE.match(i) for i in interfaces):
        errors.append(f"{where}: field 'interfaces' must be a list of interface names (at most 15 characters, '*' at the end for a prefix), got {interfaces!r}")
    if not rule.get("ports") and not interfaces:
        errors.append(f"{where}: give 'ports' or 'interfaces'; a rule that matches everything would open the host")
    comment = rule.get("comment", "")
    if not isinstance(comment, str) or '"' in comment or "\n" in comment or len(comment) > 80:
        errors.append(f"{where}: field 'comment' must be one line of at most 80 characters without double quotes, got {comment!r}")
    return errors


def rules_errors(rules: object, name: str) -> list[str]:
    """Every problem in a list of rules (``name`` is the variable), including repeated names."""
    if not isinstance(rules, list):
        return [f"{name} must be a list of rules, got {yaml_kind(rules)}"]
    errors = [e for i, rule in enumerate(rules) for e in rule_errors(rule, f"{name}[{i}]")]
    # A name that is not a string is reported by rule_errors; comparing it here would mix types.
    names = [r["name"] for r in rules if isinstance(r, dict) and isinstance(r.get("name"), str)]
    errors += [f"{name}: rule name {n!r} is used more than once; names must be unique" for n in sorted({n for n in names if names.count(n) > 1})]
    return errors


def _set(items: t.Iterable[str]) -> str:
    return "{ " + ", ".join(items) + " }"


def nft_statements(rule: dict[str, t.Any], tag: str = "") -> list[str]:
    """The input-chain statements that accept what ``rule`` allows (IPv4 and IPv6 sources apart).

    Each comment starts with ``tag`` (the drop-in's name), so the live ruleset shows where a rule came from.
    """
    match = []
    if rule.get("interfaces"):
        match.append("iifname " + _set(f'"{i}"' for i in rule["interfaces"]))
    if rule.get("ports"):
        match.append(f"{rule.get('proto', 'tcp')} dport " + _set(str(p) for p in rule["ports"]))
    comment = f'comment "{tag or rule["name"]}: {rule.get("comment") or rule["name"]}"'
    netaddr = require_netaddr()
    networks = [netaddr.IPNetwork(s) for s in rule.get("sources") or []]
    if not networks:
        return [" ".join([*match, "accept", comment])]
    out = []
    for family, version in (("ip", 4), ("ip6", 6)):
        cidrs = [str(n.cidr) for n in netaddr.cidr_merge([n for n in networks if n.version == version])]
        if cidrs:
            out.append(" ".join([f"{family} saddr " + _set(cidrs), *match, "accept", comment]))
    return out


def address_in(address: str, networks: list[str]) -> bool:
    """True when ``address`` lies in one of ``networks``."""
    netaddr = require_netaddr()
    try:
        ip = netaddr.IPAddress(address)
    except (netaddr.AddrFormatError, ValueError):
        return False
    return any(ip in netaddr.IPNetwork(n) for n in networks)
