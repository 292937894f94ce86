# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check one role variable against a kind and say, naming the variable, what is wrong and how to fix it.

Roles call this through the ``nova.dgx.invalid`` filter in their preflight, on the controller,
before any host is touched. A kind is one of the names in ``_CHECKS``, optionally
prefixed by ``list of `` (every element checked, errors name the index), or ``one of a|b|c``,
or ``int a-b``.
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._netaddr import require_netaddr
from ansible_collections.nova.dgx.plugins.plugin_utils._types import yaml_kind

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")
_PORT_RANGE = re.compile(r"^(\d{1,5})-(\d{1,5})$")


def _integer(value: object) -> int | None:
    """An int, or a string of digits (templated values arrive as text); never a bool."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _port(value: object) -> str:
    number = _integer(value)
    if number is None or not 1 <= number <= 65535:
        return "must be a port number from 1 to 65535"
    return ""


def _port_or_range(value: object) -> str:
    match = _PORT_RANGE.match(value) if isinstance(value, str) else None
    if match is None:
        return "" if not _port(value) else "must be a port from 1 to 65535 or a range such as '8000-8100'"
    low, high = int(match[1]), int(match[2])
    if not 1 <= low < high <= 65535:
        return "must be a range low-high with 1 <= low < high <= 65535"
    return ""


def _network(value: object) -> t.Any:
    """A netaddr.IPNetwork, or None when ``value`` is not an address or CIDR."""
    if not isinstance(value, str) or not re.match(r"^[0-9A-Fa-f:.]+(/\d{1,3})?$", value.strip()):
        return None
    netaddr = require_netaddr()
    try:
        return netaddr.IPNetwork(value.strip())
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return None


def _cidr(value: object) -> str:
    return "" if _network(value) is not None else "must be an IPv4 or IPv6 network in CIDR form, such as 10.0.0.0/24 or fd00::/64"


def _address(value: object) -> str:
    network = _network(value)
    if network is None or "/" in str(value):
        return "must be an IPv4 or IPv6 address without a prefix length"
    return ""


def _host(value: object) -> str:
    if isinstance(value, str) and (_HOSTNAME.match(value) or not _address(value)):
        return ""
    return "must be a host name or an IP address (a string)"


def _string(value: object) -> str:
    return "" if isinstance(value, str) and value.strip() else "must be a non-empty string"


def _boolean(value: object) -> str:
    return "" if isinstance(value, bool) else "must be true or false"


def _number(value: object) -> str:
    return "" if isinstance(value, (int, float)) and not isinstance(value, bool) else "must be a number"


_CHECKS: dict[str, t.Callable[[object], str]] = {
    "port": _port,
    "port or range": _port_or_range,
    "cidr": _cidr,
    "address": _address,
    "host": _host,
    "string": _string,
    "bool": _boolean,
    "number": _number,
}


def _checker(kind: str) -> t.Callable[[object], str]:
    if kind in _CHECKS:
        return _CHECKS[kind]
    if kind.startswith("one of "):
        choices = kind[len("one of "):].split("|")
        return lambda value: "" if value in choices else f"must be one of {', '.join(choices)}"
    match = re.match(r"^int (-?\d+)-(-?\d+)$", kind)
    if match:
        low, high = int(match[1]), int(match[2])

        def _bounded(value: object) -> str:
            number = _integer(value)
            return "" if number is not None and low <= number <= high else f"must be a whole number from {low} to {high}"
        return _bounded
    raise ValueError(f"unknown kind {kind!r}; known: {', '.join(_CHECKS)}, 'one of a|b', 'int a-b', each optionally after 'list of '")


def invalid(value: object, name: str, kind: str) -> list[str]:
    """Return one message per problem in ``value`` (the variable ``name``), or an empty list."""
    if kind.startswith("list of "):
        check = _checker(kind[len("list of "):])
        if not isinstance(value, (list, tuple)):
            return [f"{name} must be a list, got {yaml_kind(value)} {value!r}; write it as a YAML list"]
        return [f"{name}[{i}] {problem}, got {yaml_kind(item)} {item!r}" for i, item in enumerate(value) if (problem := check(item))]
    problem = _checker(kind)(value)
    return [f"{name} {problem}, got {yaml_kind(value)} {value!r}"] if problem else []
