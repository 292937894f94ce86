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
