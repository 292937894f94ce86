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
import hashlib
import hmac
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._netaddr import require, require_netaddr
from ansible_collections.nova.dgx.plugins.plugin_utils._types import yaml_kind
from ansible_collections.nova.dgx.plugins.plugin_utils._validate import invalid, network, problem, shown

__all__ = ["TOPOLOGIES", "fleet_members", "input_errors", "peers", "preshared_key"]

TOPOLOGIES = ("hub", "mesh")
# Hostvars of every overlay member, as the fleet inventory plugin writes them.
_MEMBERS = (
    "[?wireguard_address].{name: inventory_hostname, addresses: wireguard_addresses,"
    " endpoint_host: wireguard_endpoint || ansible_host, port: wireguard_port, hub: wireguard_hub}"
)
# The hostvars _MEMBERS reads. Only these are taken from each host: templating a host's whole
# hostvars (its facts and every fact a run has set) costs a tenth of a second per host and use.
_MEMBER_VARS = ("wireguard_address", "wireguard_addresses", "wireguard_endpoint", "ansible_host", "wireguard_port", "wireguard_hub")
_EXTRA_FIELDS = {"name", "public_key", "allowed_ips", "endpoint", "preshared_key", "persistent_keepalive"}


def fleet_members(hostvars: t.Mapping[str, t.Any], names: t.Iterable[str]) -> list[dict[str, t.Any]]:
    """The overlay members among ``names`` (e.g. groups['wireguard']), from their hostvars."""
    jmespath = require("jmespath")
    records = []
    for name in names:
        host = hostvars[name]
        records.append({key: host[key] for key in _MEMBER_VARS if key in host} | {"inventory_hostname": name})
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


def _network_errors(networks: object) -> list[str]:
    errors: list[str] = []
    parsed: list[t.Any] = []
    for pos, cidr in enumerate(networks if isinstance(networks, list) else [networks]):
        if problem(cidr, "network"):
            errors.append(f"wireguard_networks[{pos}] must be a network in CIDR form without host bits, got {shown(cidr)}")
            continue
        net = network(cidr)
        errors += [f"wireguard_networks[{pos}] {cidr} overlaps {other}" for other in parsed if _overlap(net, other)]
        parsed.append(net)
    return errors


def _overlap(one: t.Any, other: t.Any) -> bool:
    return bool(one.version == other.version and (one in other or other in one))


def _peer_errors(where: str, peer: dict[str, t.Any]) -> list[str]:
    errors = [f"{where}: unknown field '{k}'; known fields: {', '.join(sorted(_EXTRA_FIELDS))}" for k in peer if k not in _EXTRA_FIELDS]
    if "name" not in peer:
        errors.append(f"{where}: field 'name' is missing; every extra peer needs a name (it labels the peer in the config)")
    elif problem(peer["name"], "string") or "\n" in str(peer["name"]):
        errors.append(f"{where}: field 'name' must be a non-empty one-line string, got {shown(peer['name'])}")
    if problem(peer.get("public_key"), "wireguard key"):
        errors.append(f"{where}: field 'public_key' must be a WireGuard public key (44 characters of base64)")
    if "preshared_key" in peer and problem(peer["preshared_key"], "wireguard key"):
        errors.append(f"{where}: field 'preshared_key' must be a WireGuard preshared key (44 characters of base64, as `wg genpsk` prints)")
    ips = peer.get("allowed_ips")
    if not isinstance(ips, list) or not ips:
        errors.append(f"{where}: field 'allowed_ips' must be a non-empty list of CIDRs")
    else:
        errors += [f"{where}: field 'allowed_ips[{i}]' must be a CIDR such as 10.99.0.200/32, got {shown(cidr)}"
                   for i, cidr in enumerate(ips) if problem(cidr, "prefix")]
    endpoint = peer.get("endpoint")
    if endpoint is not None and (found := problem(endpoint, "endpoint")):
        errors.append(f"{where}: field 'endpoint' {found}, got {shown(endpoint)}")
    return errors


def input_errors(networks: object, port: object, extra: object, topology: object) -> list[str]:
    """Problems in the role's variables, each naming the variable and the field."""
    errors = invalid(topology, "wireguard_topology", f"one of {'|'.join(TOPOLOGIES)}")
    if isinstance(port, bool) or not isinstance(port, int) or problem(port, "port"):
        errors.append(f"wireguard_port must be a port number from 1 to 65535, got {shown(port)}")
    errors += _network_errors(networks)
    if not isinstance(extra, list):
        return [*errors, f"wireguard_extra_peers must be a list of peers, got {yaml_kind(extra)}"]
    seen: dict[str, int] = {}
    routed: list[tuple[t.Any, str]] = []
    for pos, peer in enumerate(extra):
        where = f"wireguard_extra_peers[{pos}]"
        if not isinstance(peer, dict):
            errors.append(f"{where} must be a mapping with name, public_key and allowed_ips")
            continue
        where += f" ({peer.get('name')})" if peer.get("name") else ""
        found = _peer_errors(where, peer)
        errors += found
        key = peer.get("public_key")
        if isinstance(key, str) and not problem(key, "wireguard key"):
            if key in seen:
                errors.append(f"{where}: field 'public_key' repeats wireguard_extra_peers[{seen[key]}]; each device needs its own key")
            seen.setdefault(key, pos)
        if found:
            continue
        for cidr in peer["allowed_ips"]:
            errors += [f"{where}: field 'allowed_ips' {cidr} overlaps {other_net} of {other}; WireGuard routes an address "
                       "to one peer only, so give each peer its own addresses"
                       for other_net, other in routed if _overlap(network(cidr), other_net)]
        routed += [(network(cidr), where) for cidr in peer["allowed_ips"]]
    return errors


def preshared_key(secret: str, first: str, second: str) -> str:
    """The preshared key of the pair (first, second): the same on both ends, derived, never stored."""
    if not isinstance(secret, str) or len(secret) < 32:
        raise ValueError("the preshared-key master (wireguard_psk_path in Vault) must be at least 32 characters")
    message = "nova.dgx wireguard psk|" + "|".join(sorted((first, second)))
    return base64.b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()).decode("ascii")
