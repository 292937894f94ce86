# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""WireGuard peers from the fleet: who peers with whom, with which AllowedIPs and endpoints.

A member is a mapping with ``name``, ``addresses`` (overlay addresses), ``endpoint_host``,
``port``, ``hub`` (bool) and ``public_key``. Members come from the inventory's hostvars
(selected with JMESPath) and keys from the record the role keeps, so a run limited to one
host still knows every peer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._netaddr import require, require_netaddr
from ansible_collections.nova.dgx.plugins.plugin_utils._types import yaml_kind

TOPOLOGIES = ("hub", "mesh")
# Hostvars of every overlay member, as the fleet inventory plugin writes them.
_MEMBERS = (
    "[?wireguard_address].{name: inventory_hostname, addresses: wireguard_addresses,"
    " endpoint_host: wireguard_endpoint || ansible_host, port: wireguard_port, hub: wireguard_hub}"
)
_EXTRA_FIELDS = {"name", "public_key", "allowed_ips", "endpoint", "preshared_key", "persistent_keepalive"}


def fleet_members(hostvars: t.Mapping[str, t.Any], names: t.Iterable[str]) -> list[dict[str, t.Any]]:
    """The overlay members among ``names`` (e.g. groups['wireguard']), from their hostvars."""
    jmespath = require("jmespath")
    records = [dict(hostvars[name], inventory_hostname=name) for name in names]
    return sorted(jmespath.search(_MEMBERS, records) or [], key=lambda m: m["name"])


def _host_routes(addresses: t.Iterable[str]) -> list[str]:
    netaddr = require_netaddr()
    return [str(netaddr.IPNetwork(f"{a}/{32 if netaddr.IPAddress(a).version == 4 else 128}")) for a in addresses]


def _endpoint(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def peers(
    members: list[dict[str, t.Any]], me: str, keys: t.Mapping[str, str], networks: list[str],
    topology: str = "hub", keepalive: int = 25, extra: list[dict[str, t.Any]] | None = None,
) -> list[dict[str, t.Any]]:
    """The peers ``me`` configures. Hub and spoke: the hub has every spoke (its host routes), a spoke
    has the hub (the whole overlay). Mesh: everyone has everyone. Unmanaged ``extra`` peers are
    added on the hub (hub and spoke) or on every host (mesh). Members without a known key are
    left out (they have not run the role yet)."""
    if topology not in TOPOLOGIES:
        raise ValueError(f"wireguard_topology must be one of {', '.join(TOPOLOGIES)}, got {topology!r}")
    by_name = {m["name"]: m for m in members}
    if me not in by_name:
        raise ValueError(f"{me} is not a WireGuard member (no wireguard_address in its hostvars)")
    mine = by_name[me]
    hubs = [m for m in members if m.get("hub")]
    if topology == "hub" and len(hubs) != 1:
        raise ValueError(f"hub-and-spoke needs exactly one hub (wireguard.hub in the fleet file), found {[h['name'] for h in hubs]}")
    out = []
    for member in members:
        if member["name"] == me or member["name"] not in keys:
            continue
        if topology == "hub" and not mine.get("hub") and not member.get("hub"):
            continue  # spokes reach each other through the hub
        spoke_to_hub = topology == "hub" and member.get("hub")
        out.append({
            "name": member["name"],
            "public_key": keys[member["name"]],
            "allowed_ips": list(networks) if spoke_to_hub else _host_routes(member["addresses"]),
            "endpoint": _endpoint(member["endpoint_host"], member["port"]),
            "persistent_keepalive": keepalive,
        })
    if topology == "mesh" or mine.get("hub"):
        out += [{"persistent_keepalive": keepalive, **p} for p in extra or []]
    return out


def _key_ok(text: object) -> bool:
    if not isinstance(text, str) or len(text) != 44:
        return False
    try:
        return len(base64.b64decode(text, validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def input_errors(networks: object, port: object, extra: object, topology: object) -> list[str]:
    """Problems in the role's variables, each naming the variable and the field."""
    netaddr = require_netaddr()
    errors = []
    if topology not in TOPOLOGIES:
        errors.append(f"wireguard_topology must be one of {', '.join(TOPOLOGIES)}, got {topology!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        errors.append(f"wireguard_port must be a port number from 1 to 65535, got {yaml_kind(port)} {port!r}")
    parsed = []
    for pos, cidr in enumerate(networks if isinstance(networks, list) else [networks]):
        try:
            net = netaddr.IPNetwork(cidr) if isinstance(cidr, str) and "/" in cidr else None
        except (netaddr.AddrFormatError, ValueError, TypeError):
            net = None
        if net is None or str(net.cidr) != str(net):
            errors.append(f"wireguard_networks[{pos}] must be a network in CIDR form without host bits, got {cidr!r}")
            continue
        for other in parsed:
            if net.version == other.version and (net in other or other in net):
                errors.append(f"wireguard_networks[{pos}] {cidr} overlaps {other}")
        parsed.append(net)
    if not isinstance(extra, list):
        return [*errors, f"wireguard_extra_peers must be a list of peers, got {yaml_kind(extra)}"]
    seen: dict[str, int] = {}
    for pos, peer in enumerate(extra):
        where = f"wireguard_extra_peers[{pos}]"
        if not isinstance(peer, dict):
            errors.append(f"{where} must be a mapping with name, public_key and allowed_ips")
            continue
        where += f" ({peer.get('name')})" if peer.get("name") else ""
        errors += [f"{where}: unknown field '{k}'; known fields: {', '.join(sorted(_EXTRA_FIELDS))}" for k in peer if k not in _EXTRA_FIELDS]
        key = peer.get("public_key")
        if not _key_ok(key):
            errors.append(f"{where}: field 'public_key' must be a WireGuard public key (44 characters of base64)")
        elif key in seen:
            errors.append(f"{where}: field 'public_key' repeats wireguard_extra_peers[{seen[key]}]; each device needs its own key")
        else:
            seen[key] = pos
        ips = peer.get("allowed_ips")
        if not isinstance(ips, list) or not ips:
            errors.append(f"{where}: field 'allowed_ips' must be a non-empty list of CIDRs")
        else:
            for i, cidr in enumerate(ips):
                try:
                    netaddr.IPNetwork(cidr)
                    valid = isinstance(cidr, str) and "/" in cidr
                except (netaddr.AddrFormatError, ValueError, TypeError):
                    valid = False
                if not valid:
                    errors.append(f"{where}: field 'allowed_ips[{i}]' must be a CIDR such as 10.99.0.200/32, got {cidr!r}")
        endpoint = peer.get("endpoint")
        if endpoint is not None and not _endpoint_ok(endpoint):
            errors.append(f"{where}: field 'endpoint' must be host:port or [IPv6]:port with a port from 1 to 65535, got {endpoint!r}")
    return errors


def _endpoint_ok(endpoint: object) -> bool:
    if not isinstance(endpoint, str) or ":" not in endpoint:
        return False
    host, _colon, port = endpoint.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    return bool(host) and " " not in host and port.isdigit() and 1 <= int(port) <= 65535


def preshared_key(secret: str, first: str, second: str) -> str:
    """The preshared key of the pair (first, second): the same on both ends, derived, never stored."""
    if not isinstance(secret, str) or len(secret) < 32:
        raise ValueError("wireguard_psk_secret must be at least 32 characters")
    message = "nova.dgx wireguard psk|" + "|".join(sorted((first, second)))
    return base64.b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()).decode("ascii")
