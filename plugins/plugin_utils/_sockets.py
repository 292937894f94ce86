# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which listening sockets are exposed beyond loopback, from `ss -Htuln` output."""

from __future__ import annotations

import ipaddress
import typing as t


def exposed_listener(fields: t.Sequence[str]) -> str:
    """``proto/port`` for one split `ss -Htuln` line listening beyond loopback, else an empty string.

    Fields: netid, state, recv-q, send-q, local address:port, peer address:port. The local
    address may be ``*``, ``0.0.0.0``, ``[::]``, carry a ``%interface`` zone, or be bracketed IPv6.
    """
    if len(fields) < 5 or fields[0] not in ("tcp", "udp"):
        return ""
    address, _colon, port = fields[4].rpartition(":")
    address = address.strip("[]").split("%", 1)[0]
    if address not in ("*", ""):
        try:
            if ipaddress.ip_address(address).is_loopback:
                return ""
        except ValueError:
            return ""
    return f"{fields[0]}/{port}"


def _ports(right: object) -> list[str]:
    """The ports an nftables JSON match's right-hand side names: 22, {set: [...]}, {range: [a, b]}."""
    if isinstance(right, bool):
        return []
    if isinstance(right, int):
        return [str(right)]
    if isinstance(right, dict) and isinstance(right.get("range"), list) and len(right["range"]) == 2:
        low, high = right["range"]
        return [f"{low}-{high}"]
    if isinstance(right, dict) and isinstance(right.get("set"), list):
        return [port for element in right["set"] for port in _ports(element)]
    return []


def open_ports(nft: object) -> list[str]:
    """``proto/port`` (or ``proto/low-high``) for every port an accepting rule opens, from ``nft --json list ...``."""
    items = nft.get("nftables", []) if isinstance(nft, dict) else []
    opened: list[str] = []
    for item in items if isinstance(items, list) else []:
        rule = item.get("rule") if isinstance(item, dict) else None
        expr = rule.get("expr", []) if isinstance(rule, dict) else []
        if not isinstance(expr, list) or not any(isinstance(e, dict) and "accept" in e for e in expr):
            continue
        for entry in expr:
            match = entry.get("match") if isinstance(entry, dict) else None
            if not isinstance(match, dict) or not isinstance(match.get("left"), dict):
                continue
            payload = match["left"].get("payload")
            if isinstance(payload, dict) and payload.get("field") == "dport" and payload.get("protocol") in ("tcp", "udp"):
                opened += [f"{payload['protocol']}/{port}" for port in _ports(match.get("right"))]
    return sorted(set(opened))


def _covered(listener: str, allowed: str) -> bool:
    proto, _slash, port = listener.partition("/")
    allowed_proto, _slash, span = allowed.partition("/")
    if proto != allowed_proto or not port.isdigit():
        return False
    low, _dash, high = span.partition("-")
    if not low.isdigit() or (high and not high.isdigit()):
        return False
    return int(low) <= int(port) <= int(high or low)


def unexpected_listeners(exposed: t.Sequence[str], allowed: t.Sequence[str]) -> list[str]:
    """The exposed ``proto/port`` listeners that no allowed port or range covers."""
    return sorted({e for e in exposed if e and not any(_covered(e, a) for a in allowed)})
