# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one validation engine: check a value against a kind and say, naming the field, what is wrong.

Roles call it through the ``nova.dgx.invalid`` filter in their preflight, on the controller,
before any host is touched; the other validators (accounts, apt, WireGuard, the fleet file)
call ``problem``/``invalid`` for every primitive instead of carrying their own copies.

A kind is one of the names in ``KINDS``, optionally prefixed by ``list of `` (every element
checked, errors name the index), or ``one of a|b|c``, or ``int a-b``.
"""

from __future__ import annotations

import base64
import binascii
import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._netaddr import require_netaddr
from ansible_collections.nova.dgx.plugins.plugin_utils._types import yaml_kind

__all__ = ["HOSTNAME", "KINDS", "NAME", "integer", "invalid", "network", "problem", "short", "shown"]

# A DNS name: labels of letters, digits and inner hyphens, 253 characters at most (no trailing dot).
HOSTNAME = re.compile(r"(?=.{1,253}\Z)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")
# User and group names as useradd/groupadd accept them on Debian/Ubuntu (NAME_REGEX, 32 chars).
NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
_PORT_RANGE = re.compile(r"(\d{1,5})-(\d{1,5})")
_SHA256 = re.compile(r"(sha256:)?[0-9a-f]{64}")
# Linux interface names: at most 15 bytes (IFNAMSIZ - 1); wg-quick accepts these characters only.
_INTERFACE = re.compile(r"[A-Za-z0-9_=+.-]{1,15}")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SHOWN = 60


def short(value: object) -> str:
    """The repr of ``value`` cut to a readable length, so a huge value is not echoed in full."""
    text = repr(value)
    return f"{text[:_SHOWN]}... ({len(text)} characters)" if len(text) > _SHOWN else text


def shown(value: object) -> str:
    """``<kind> <repr>`` for a message, such as ``str 'bash'`` (the repr shortened)."""
    return f"{yaml_kind(value)} {short(value)}"


def integer(value: object) -> int | None:
    """An int, or a string of digits (templated values arrive as text); never a bool."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def network(value: object) -> t.Any:
    """A netaddr.IPNetwork, or None when ``value`` is not an address or CIDR."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9A-Fa-f:.]+(/\d{1,3})?", value.strip()):
        return None
    netaddr = require_netaddr()
    try:
        return netaddr.IPNetwork(value.strip())
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return None


def _port(value: object) -> str:
    number = integer(value)
    return "" if number is not None and 1 <= number <= 65535 else "must be a port number from 1 to 65535"


def _port_or_range(value: object) -> str:
    match = _PORT_RANGE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return "" if not _port(value) else "must be a port from 1 to 65535 or a range such as '8000-8100'"
    low, high = int(match[1]), int(match[2])
    return "" if 1 <= low < high <= 65535 else "must be a range low-high with 1 <= low < high <= 65535"


def _cidr(value: object) -> str:
    return "" if network(value) is not None else "must be an IPv4 or IPv6 network in CIDR form, such as 10.0.0.0/24 or fd00::/64"


def _prefix(value: object) -> str:
    net = network(value)
    if net is None or "/" not in str(value):
        return "must be a CIDR with a prefix length, such as 10.0.0.0/24, fd00::/64 or 10.99.0.200/32"
    return ""


def _network(value: object) -> str:
    net = network(value)
    if net is None or "/" not in str(value):
        return "must be a network in CIDR form without host bits, such as 10.99.0.0/24"
    return "" if str(net.cidr) == str(net) else f"must be a network in CIDR form without host bits (here {net.cidr})"


def _address(value: object) -> str:
    return "" if network(value) is not None and "/" not in str(value) else "must be an IPv4 or IPv6 address without a prefix length"


def _hostname(value: object) -> str:
    ok = isinstance(value, str) and HOSTNAME.fullmatch(value)
    return "" if ok else "must be a host name: letters, digits, '-' and dots, no spaces, at most 253 characters"


def _host(value: object) -> str:
    if isinstance(value, str) and (HOSTNAME.fullmatch(value.removesuffix(".")) or not _address(value)):
        return ""
    return "must be a host name or an IP address (a string)"


def _endpoint(value: object) -> str:
    wrong = "must be host:port or [IPv6]:port with a port from 1 to 65535"
    if not isinstance(value, str) or ":" not in value:
        return wrong
    host, _colon, port = value.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        if _address(host) or ":" not in host:
            return wrong
    elif ":" in host:
        return f"{wrong}; write an IPv6 address in brackets, such as [{value.rpartition(':')[0]}]:{port}"
    elif _host(host):
        return wrong
    return "" if port.isdigit() and 1 <= int(port) <= 65535 else wrong


def _string(value: object) -> str:
    return "" if isinstance(value, str) and value.strip() else "must be a non-empty string"


def _boolean(value: object) -> str:
    return "" if isinstance(value, bool) else "must be true or false"


def _number(value: object) -> str:
    return "" if isinstance(value, (int, float)) and not isinstance(value, bool) else "must be a number"


def _positive_number(value: object) -> str:
    return "" if not _number(value) and t.cast(float, value) > 0 else "must be a number greater than 0"


def _log_prefix(value: object) -> str:
    ok = isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9 _.:=-]{0,64}", value)
    return "" if ok else "must be at most 64 letters, digits, spaces or _ . : = - (no quotes: it is written into the nftables ruleset)"


def _file_name(value: object) -> str:
    ok = isinstance(value, str) and re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", value)
    return "" if ok else "must be a file name of lower-case letters, digits, _ and - (no '/' or '..')"


def _absolute_path(value: object) -> str:
    ok = isinstance(value, str) and value.startswith("/") and not re.search(r"[\x00-\x1f]", value)
    return "" if ok else "must be an absolute path such as /bin/bash"


def _sudoers_drop_in(value: object) -> str:
    if _absolute_path(value) or not isinstance(value, str):
        return "must be a file in /etc/sudoers.d such as /etc/sudoers.d/90-nova-users"
    directory, _slash, name = value.rpartition("/")
    if directory != "/etc/sudoers.d" or not name:
        return "must be a file directly in /etc/sudoers.d (sudo reads drop-ins only there), such as /etc/sudoers.d/90-nova-users"
    if "." in name or name.endswith("~"):
        return "must name a file without '.' and not ending in '~' (sudo silently skips such drop-ins), such as /etc/sudoers.d/90-nova-users"
    return ""


def _account_name(value: object) -> str:
    ok = isinstance(value, str) and NAME.fullmatch(value)
    return "" if ok else f"must match {NAME.pattern}: lowercase letters, digits, '_' and '-', no spaces, at most 32 characters"


def _interface(value: object) -> str:
    ok = isinstance(value, str) and _INTERFACE.fullmatch(value) and value not in (".", "..")
    return "" if ok else "must be an interface name of 1 to 15 characters from A-Z a-z 0-9 _ = + . -, such as wg0"


def _wireguard_key(value: object) -> str:
    wrong = "must be a WireGuard key (44 characters of base64, as `wg genkey`/`wg pubkey`/`wg genpsk` print)"
    if not isinstance(value, str) or len(value) != 44:
        return wrong
    try:
        return "" if len(base64.b64decode(value, validate=True)) == 32 else wrong
    except (binascii.Error, ValueError):
        return wrong


def _sha256(value: object) -> str:
    ok = isinstance(value, str) and _SHA256.fullmatch(value)
    return "" if ok else "must be a SHA-256 checksum (64 lowercase hex digits, as `sha256sum` prints)"


def _variable(value: object) -> str:
    ok = isinstance(value, str) and _VARIABLE.fullmatch(value)
    return "" if ok else "must be a valid variable name (letters, digits and '_', not starting with a digit)"


_SQL_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_RESTIC_SUBSET = re.compile(r"(?P<percent>[0-9]{1,3}(\.[0-9]+)?)%|(?P<n>[1-9][0-9]*)/(?P<t>[1-9][0-9]*)")
_RESTIC_REPOSITORY = re.compile(r"(local:)?/[^\s]*|sftp:[A-Za-z0-9._-]+@[A-Za-z0-9.:\[\]-]+:/[^\s]*|s3:https?://[^\s/]+/[^\s]+")


def _sql_identifier(value: object) -> str:
    ok = isinstance(value, str) and _SQL_IDENTIFIER.fullmatch(value)
    return "" if ok else "must be an SQL identifier: a lower-case letter or _, then lower-case letters, digits or _, at most 63 characters"


def _restic_subset(value: object) -> str:
    match = _RESTIC_SUBSET.fullmatch(value) if isinstance(value, str) else None
    ok = match is not None and (0 < float(match["percent"]) <= 100 if match["percent"] else int(match["n"]) <= int(match["t"]))
    return "" if ok else ("must be a percentage above 0 and at most 100% such as 5%, or a fraction n/t with n <= t such as 1/10"
                          " (restic check --read-data-subset)")


def _restic_repository(value: object) -> str:
    if isinstance(value, str) and _RESTIC_REPOSITORY.fullmatch(value):
        return ""
    scheme = value.split(":", 1)[0] if isinstance(value, str) and ":" in value else ""
    forms = "a path (/srv/restic or local:/srv/restic), sftp:USER@HOST:/PATH or s3:https://HOST/BUCKET"
    if scheme and scheme not in ("local", "sftp", "s3"):
        return f"has the unknown scheme {scheme!r}: use {forms}"
    return f"must be {forms}"


KINDS: dict[str, t.Callable[[object], str]] = {
    "port": _port,
    "port or range": _port_or_range,
    "cidr": _cidr,
    "prefix": _prefix,
    "network": _network,
    "address": _address,
    "host": _host,
    "hostname": _hostname,
    "endpoint": _endpoint,
    "string": _string,
    "bool": _boolean,
    "number": _number,
    "positive number": _positive_number,
    "log prefix": _log_prefix,
    "file name": _file_name,
    "absolute path": _absolute_path,
    "sudoers drop-in": _sudoers_drop_in,
    "account name": _account_name,
    "interface": _interface,
    "wireguard key": _wireguard_key,
    "sha256": _sha256,
    "variable name": _variable,
    "sql identifier": _sql_identifier,
    "restic subset": _restic_subset,
    "restic repository": _restic_repository,
}


def _checker(kind: str) -> t.Callable[[object], str]:
    if kind in KINDS:
        return KINDS[kind]
    if kind.startswith("one of "):
        choices = kind[len("one of "):].split("|")
        return lambda value: "" if value in choices else f"must be one of {', '.join(choices)}"
    match = re.fullmatch(r"int (-?\d+)-(-?\d+)", kind)
    if match:
        low, high = int(match[1]), int(match[2])

        def _bounded(value: object) -> str:
            number = integer(value)
            return "" if number is not None and low <= number <= high else f"must be a whole number from {low} to {high}"
        return _bounded
    raise ValueError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}, 'one of a|b', 'int a-b', each optionally after 'list of '")


def problem(value: object, kind: str) -> str:
    """What is wrong with ``value`` as a ``kind`` ("must be ..."), or an empty string."""
    return _checker(kind)(value)


def invalid(value: object, name: str, kind: str) -> list[str]:
    """Return one message per problem in ``value`` (the variable or field ``name``), or an empty list.

    A value that should be a list but is not gives one message, never one per character.
    """
    if kind.startswith("list of "):
        check = _checker(kind[len("list of "):])
        if not isinstance(value, (list, tuple)):
            return [f"{name} must be a list, got {shown(value)}; write it as a YAML list"]
        return [f"{name}[{i}] {found}, got {shown(item)}" for i, item in enumerate(value) if (found := check(item))]
    found = _checker(kind)(value)
    return [f"{name} {found}, got {shown(value)}"] if found else []
