# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two DGX Sparks linked back to back over ConnectX-7 (nova.dgx.cx7_link): checks, plan, files, verify rows.

Each Spark names the other as ``cx7_link_peer``; port ``i`` of ``cx7_link_interfaces`` on one is
cabled to port ``i`` on the other. ``input_errors`` checks both ends on the controller, before
any host is touched: this host's settings as the play sees them, the peer's from its hostvars
(inventory, host and group vars, the fleet file's ``vars``), falling back to the role's defaults.
``plan`` then gives every port's address on both ends, and the other functions render the netplan
file, the NCCL/UCX/Open MPI environment, the SSH trust between the two MPI accounts and the
verify checks from that plan. Pure Python (netaddr, PyYAML), no Ansible imports.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import typing as t

import yaml

from ansible_collections.nova.dgx.plugins.plugin_utils._netaddr import require_netaddr
from ansible_collections.nova.dgx.plugins.plugin_utils._validate import integer, invalid, network, shown

__all__ = [
    "ADDRESSINGS", "LINK_LOCAL", "MTU_MAX", "MTU_MIN", "PEER_SETTINGS", "authorized_key", "checks", "drift", "env_file",
    "input_errors", "known_hosts", "netplan", "peer_keys", "peer_settings", "plan", "ports_ready", "ssh_config", "targets",
]

ADDRESSINGS = ("static", "link-local")
MTU_MIN, MTU_MAX = 1280, 9216
MAX_PORTS = 4
LINK_LOCAL = "169.254.0.0/16"
# How ssh_config and known_hosts name "any link-local IPv4 address".
_LINK_LOCAL_PATTERN = "169.254.*"
# Derived static addresses: .10 for the pair's first host (by name), .11 for the second, as in NVIDIA's guide.
_FIRST_HOST = 10
# ping's payload for a packet of exactly the MTU: IPv4 header (20) and ICMP header (8) come on top.
_ICMP_OVERHEAD = 28
# Linux interface names: 15 bytes at most (IFNAMSIZ - 1); these characters are safe in netplan, nftables and shells.
_INTERFACE = re.compile(r"[A-Za-z0-9_.-]{1,15}")
# RDMA device names as ibdev2netdev prints them (rocep1s0f1), optionally with a port (rocep1s0f1:1).
_HCA = re.compile(r"[A-Za-z0-9_.-]{1,32}(:[0-9]{1,2})?")
_HOST_KEY_TYPES = frozenset({"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"})
# The settings both ends must agree on, read from the peer's hostvars.
PEER_SETTINGS = ("cx7_link_peer", "cx7_link_interfaces", "cx7_link_addressing", "cx7_link_addresses", "cx7_link_subnets",
                 "cx7_link_mtu", "cx7_link_mpi_user")


def peer_settings(hostvars: t.Mapping[str, t.Any], peer: str, defaults: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The peer's settings as its own run sees them: its hostvars, else the role's defaults."""
    own = hostvars[peer] if peer in hostvars else {}
    return {name: own[name] if name in own else defaults.get(name) for name in PEER_SETTINGS}


def _interface_errors(value: object, name: str) -> list[str]:
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_PORTS:
        return [f"{name} must be a list of 1 to {MAX_PORTS} interface names (the ConnectX-7 ports, e.g. enp1s0f1np1), got {shown(value)}"]
    errors = [f"{name}[{i}] must be an interface name of 1 to 15 characters (the kernel's limit) from A-Z a-z 0-9 _ . -, got {shown(item)}"
              for i, item in enumerate(value) if not (isinstance(item, str) and _INTERFACE.fullmatch(item) and item not in (".", ".."))]
    names = [str(item) for item in value]
    errors += [f"{name} lists {n} more than once" for n in sorted({n for n in names if names.count(n) > 1})]
    return errors


def _ipv4_network(value: object) -> t.Any:
    net = network(value)
    return net if net is not None and net.version == 4 else None


def _subnet_errors(value: object, name: str) -> list[str]:
    if not isinstance(value, (list, tuple)):
        return [f"{name} must be a list of IPv4 networks such as 192.168.100.0/24, got {shown(value)}"]
    errors = []
    for i, item in enumerate(value):
        net = _ipv4_network(item)
        if net is None or "/" not in str(item) or str(net.cidr) != str(net):
            errors.append(f"{name}[{i}] must be an IPv4 network in CIDR form without host bits, such as 192.168.100.0/24, got {shown(item)}")
    return errors


def _address_shape(value: object, name: str) -> list[str]:
    """A port's own address: IPv4 with a prefix of 8 to 31, neither the network nor the broadcast address."""
    net = _ipv4_network(value)
    if net is None or "/" not in str(value) or not 8 <= net.prefixlen <= 31:
        return [f"{name} must be an IPv4 address with a prefix length of 8 to 31, such as 192.168.100.10/24, got {shown(value)}"]
    if net.prefixlen <= 30 and net.ip in (net.network, net.broadcast):
        return [f"{name} {value} is the {'network' if net.ip == net.network else 'broadcast'} address of {net.cidr}; pick a host address"]
    return []


def _addresses_shape(value: object, interfaces: object, name: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{name} must be a mapping of interface name to address, such as {{enp1s0f1np1: 192.168.100.10/24}}, got {shown(value)}"]
    known = [str(i) for i in interfaces] if isinstance(interfaces, (list, tuple)) else []
    errors = [f"{name} names {key}, which is not in cx7_link_interfaces ({', '.join(known)})" for key in value if str(key) not in known]
    return errors + [e for key, address in value.items() for e in _address_shape(address, f"{name}[{key}]")]


def _port_addresses(settings: t.Mapping[str, t.Any], position: int, who: str) -> tuple[list[t.Any], list[str]]:
    """Each port's address (a netaddr.IPNetwork holding the host address) for static addressing, or the problems.

    A port listed in cx7_link_addresses takes that address; any other takes host .10 + position of the
    subnet at its index in cx7_link_subnets (position 0 or 1: the pair's hosts sorted by name).
    """
    netaddr = require_netaddr()
    explicit = settings.get("cx7_link_addresses") or {}
    subnets = settings.get("cx7_link_subnets") or []
    found: list[t.Any] = []
    errors: list[str] = []
    for i, interface in enumerate(settings["cx7_link_interfaces"]):
        if interface in explicit:
            found.append(netaddr.IPNetwork(str(explicit[interface])))
            continue
        if i >= len(subnets):
            errors.append(f"{who}cx7_link_interfaces[{i}] {interface} has no address: list it in cx7_link_addresses or add a subnet for it"
                          f" to cx7_link_subnets (it has {len(subnets)})")
            continue
        subnet = netaddr.IPNetwork(str(subnets[i]))
        if subnet.size < _FIRST_HOST + 4:
            errors.append(f"{who}cx7_link_subnets[{i}] {subnet} is too small for the derived addresses .{_FIRST_HOST} and"
                          f" .{_FIRST_HOST + 1}: use a /28 or larger, or set cx7_link_addresses")
            continue
        found.append(netaddr.IPNetwork(f"{netaddr.IPAddress(subnet.first + _FIRST_HOST + position)}/{subnet.prefixlen}"))
    return found, errors


def _static_errors(mine: t.Mapping[str, t.Any], theirs: t.Mapping[str, t.Any], me: str, peer: str, wireguard_networks: object) -> list[str]:
    pair = sorted((me, peer))
    errors = _addresses_shape(theirs.get("cx7_link_addresses") or {}, theirs["cx7_link_interfaces"], f"{peer}'s cx7_link_addresses")
    errors += _subnet_errors(theirs.get("cx7_link_subnets") or [], f"{peer}'s cx7_link_subnets")
    if errors:
        return errors
    ours, problems = _port_addresses(mine, pair.index(me), "")
    other, their_problems = _port_addresses(theirs, pair.index(peer), f"{peer}'s ")
    errors = problems + their_problems
    if errors:
        return errors
    for i, (here, there) in enumerate(zip(ours, other)):
        port = f"port {i} ({mine['cx7_link_interfaces'][i]})"
        if here.cidr != there.cidr:
            errors.append(f"{port}: {here} here and {there} on {peer} are not in one subnet; both ends of a cable need addresses in the same"
                          " subnet (set cx7_link_addresses on both, or leave both to cx7_link_subnets)")
        elif here.ip == there.ip:
            errors.append(f"{port}: {me} and {peer} both have {here.ip}; give each end its own address")
    for i, here in enumerate(ours):
        errors += [f"ports {j} and {i} have overlapping subnets {before.cidr} and {here.cidr}: give each port its own subnet, or the"
                   " kernel sends the traffic of both through one port" for j, before in enumerate(ours[:i]) if _overlap(before, here)]
    for cidr in wireguard_networks if isinstance(wireguard_networks, (list, tuple)) else []:
        overlay = network(cidr)
        if overlay is None or overlay.version != 4:
            continue
        errors += [f"port {i} ({mine['cx7_link_interfaces'][i]}): {here.cidr} overlaps the WireGuard overlay {cidr} (wireguard_networks);"
                   " pick other subnets" for i, here in enumerate(ours) if _overlap(here, overlay)]
    return errors


def _overlap(one: t.Any, other: t.Any) -> bool:
    return bool(one.cidr in other.cidr or other.cidr in one.cidr)


def _users_errors(user: object, accounts: object, exclusive_default: object) -> list[str]:
    """nova.dgx.users removes keys it did not list from an account with exclusive keys: the peer's key would go."""
    for account in accounts if isinstance(accounts, (list, tuple)) else []:
        if not isinstance(account, dict) or account.get("name") != user or account.get("state", "present") == "absent":
            continue
        if account.get("exclusive_keys", exclusive_default):
            return [f"cx7_link_mpi_user {user} has exclusive keys in users_accounts, so nova.dgx.users would remove the peer's key on its"
                    " next run: set exclusive_keys: false on that entry (its own keys stay managed)"]
    return []


def input_errors(
    mine: t.Mapping[str, t.Any], me: str, hostvars: t.Mapping[str, t.Any], dgx: t.Sequence[str], defaults: t.Mapping[str, t.Any],
    wireguard_networks: object = None, users_accounts: object = None, users_exclusive_keys: object = True,
) -> list[str]:
    """Every problem in this host's settings and in the pair it forms with its peer, each naming the variable and the fix."""
    errors = invalid(mine.get("cx7_link_mtu"), "cx7_link_mtu", f"int {MTU_MIN}-{MTU_MAX}")
    errors += _interface_errors(mine.get("cx7_link_interfaces"), "cx7_link_interfaces")
    errors += invalid(mine.get("cx7_link_addressing"), "cx7_link_addressing", f"one of {'|'.join(ADDRESSINGS)}")
    errors += _subnet_errors(mine.get("cx7_link_subnets"), "cx7_link_subnets")
    errors += _addresses_shape(mine.get("cx7_link_addresses"), mine.get("cx7_link_interfaces"), "cx7_link_addresses")
    errors += invalid(mine.get("cx7_link_mpi_user"), "cx7_link_mpi_user", "account name")
    errors += invalid(mine.get("cx7_link_env_file"), "cx7_link_env_file", "absolute path")
    hca = mine.get("cx7_link_nccl_ib_hca")
    if not isinstance(hca, (list, tuple)) or not all(isinstance(h, str) and _HCA.fullmatch(h) for h in hca):
        errors.append(f"cx7_link_nccl_ib_hca must be a list of RDMA device names as ibdev2netdev prints them, such as rocep1s0f1, got {shown(hca)}")
    errors += invalid(mine.get("cx7_link_up_timeout"), "cx7_link_up_timeout", "int 0-600")
    peer = mine.get("cx7_link_peer")
    if not isinstance(peer, str):
        return [*errors, f"cx7_link_peer must be the inventory name of the other Spark (or '' for none), got {shown(peer)}"]
    if not peer:
        return errors
    if mine.get("cx7_link_addressing") == "link-local" and mine.get("cx7_link_addresses"):
        errors.append("cx7_link_addresses is set but cx7_link_addressing is link-local, where each port picks its own 169.254.x.y address:"
                      " remove cx7_link_addresses or set cx7_link_addressing: static")
    members = list(dgx)
    if me not in members:
        errors.append(f"cx7_link_peer is set but {me} is not in group dgx: the ConnectX-7 link joins two DGX Sparks (give it role dgx in the fleet file)")
    if peer == me:
        return [*errors, f"cx7_link_peer names {me} itself: name the other Spark at the end of the cable"]
    if peer not in hostvars:
        return [*errors, f"cx7_link_peer {peer} is not in the inventory: name the other Spark by its inventory name"
                         f" (hosts in group dgx: {', '.join(m for m in members if m != me) or 'none'})"]
    if peer not in members:
        errors.append(f"cx7_link_peer {peer} is not in group dgx: the other end must be a DGX Spark (give it role dgx in the fleet file)")
    theirs = peer_settings(hostvars, peer, defaults)
    if theirs["cx7_link_peer"] != me:
        errors.append(f"cx7_link_peer: {peer} names {theirs['cx7_link_peer']!r} as its peer, not {me}; set cx7_link_peer: {me} in {peer}'s"
                      " host variables (or the fleet file's vars): the link is configured on both ends or on neither")
    their_interfaces = [f"{peer}'s {e}" for e in _interface_errors(theirs["cx7_link_interfaces"], "cx7_link_interfaces")]
    errors += their_interfaces
    if not their_interfaces and isinstance(mine.get("cx7_link_interfaces"), (list, tuple)) \
            and len(theirs["cx7_link_interfaces"]) != len(mine["cx7_link_interfaces"]):
        errors.append(f"cx7_link_interfaces has {len(mine['cx7_link_interfaces'])} ports here but {len(theirs['cx7_link_interfaces'])} on"
                      f" {peer}: port i here is cabled to port i there, so list the same number on both")
    if integer(theirs["cx7_link_mtu"]) != integer(mine.get("cx7_link_mtu")):
        errors.append(f"cx7_link_mtu is {mine.get('cx7_link_mtu')} here but {theirs['cx7_link_mtu']} on {peer}: set one MTU for both ends"
                      " (the larger end's big frames would be dropped by the other)")
    if theirs["cx7_link_addressing"] != mine.get("cx7_link_addressing"):
        errors.append(f"cx7_link_addressing is {mine.get('cx7_link_addressing')} here but {theirs['cx7_link_addressing']} on {peer}:"
                      " use the same on both ends")
    if theirs["cx7_link_mpi_user"] != mine.get("cx7_link_mpi_user"):
        errors.append(f"cx7_link_mpi_user is {mine.get('cx7_link_mpi_user')} here but {theirs['cx7_link_mpi_user']} on {peer}: mpirun logs"
                      " in to the peer under its own name, so use the same account on both")
    errors += _users_errors(mine.get("cx7_link_mpi_user"), users_accounts, users_exclusive_keys)
    if errors or mine["cx7_link_addressing"] != "static":
        return errors
    return _static_errors(mine, theirs, me, peer, wireguard_networks)


def plan(mine: t.Mapping[str, t.Any], me: str, hostvars: t.Mapping[str, t.Any], defaults: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """Both ends of every port, from settings ``input_errors`` accepted; plain str and int only.

    ``peer_sources`` are the networks the peer's traffic comes from (its addresses, or all of
    169.254.0.0/16 with link-local addressing, where they are picked at run time) and
    ``peer_names`` the patterns ssh_config and known_hosts name the peer by.
    """
    peer = str(mine.get("cx7_link_peer") or "")
    user = str(mine["cx7_link_mpi_user"])
    if not peer:
        return {"enabled": False, "peer": "", "user": user, "ports": [], "peer_sources": [], "peer_names": []}
    theirs = peer_settings(hostvars, peer, defaults)
    static = mine["cx7_link_addressing"] == "static"
    pair = sorted((me, peer))
    interfaces = [str(i) for i in mine["cx7_link_interfaces"]]
    if static:
        ours, problems = _port_addresses(mine, pair.index(me), "")
        other, their_problems = _port_addresses(theirs, pair.index(peer), f"{peer}'s ")
        if problems or their_problems:
            raise ValueError("; ".join(problems + their_problems))
    ports = []
    for i, interface in enumerate(interfaces):
        port = {"interface": interface, "peer_interface": str(theirs["cx7_link_interfaces"][i]),
                "address": "", "ip": "", "peer_address": "", "peer_ip": "", "network": LINK_LOCAL}
        if static:
            port.update(address=str(ours[i]), ip=str(ours[i].ip), peer_address=str(other[i]), peer_ip=str(other[i].ip),
                        network=str(ours[i].cidr))
        ports.append(port)
    return {
        "enabled": True, "peer": peer, "user": user, "addressing": "static" if static else "link-local",
        "mtu": int(str(mine["cx7_link_mtu"])), "ports": ports,
        "peer_sources": [f"{p['peer_ip']}/32" for p in ports] if static else [LINK_LOCAL],
        "peer_names": [p["peer_ip"] for p in ports] if static else [_LINK_LOCAL_PATTERN],
    }


def _enabled(link: t.Mapping[str, t.Any]) -> None:
    if not link.get("enabled"):
        raise ValueError("the ConnectX-7 link is off on this host (cx7_link_peer is empty): nothing to render")


def netplan(link: t.Mapping[str, t.Any]) -> str:
    """The netplan YAML for the ports (keys sorted). ``optional`` keeps boot from waiting for a peer that is off."""
    _enabled(link)
    ethernets: dict[str, dict[str, t.Any]] = {}
    for port in link["ports"]:
        entry: dict[str, t.Any] = {"dhcp4": False, "dhcp6": False, "mtu": int(link["mtu"]), "optional": True}
        if link["addressing"] == "static":
            entry["addresses"] = [port["address"]]
        else:
            entry["link-local"] = ["ipv4"]
        ethernets[port["interface"]] = entry
    return str(yaml.safe_dump({"network": {"version": 2, "ethernets": ethernets}}, sort_keys=True, default_flow_style=False))


def env_file(link: t.Mapping[str, t.Any], hca: t.Sequence[str]) -> str:
    """KEY=value lines (no `export`), readable by sh with `set -a`, `docker run --env-file` and systemd's EnvironmentFile=."""
    _enabled(link)
    interfaces = ",".join(p["interface"] for p in link["ports"])
    lines = [
        f"# NCCL, UCX and Open MPI over the ConnectX-7 link to {link['peer']} ({link['addressing']} addressing, MTU {link['mtu']}).",
        "# NCCL_SOCKET_IFNAME: the interfaces NCCL bootstraps over and uses for its socket transport (not the management network).",
        f"NCCL_SOCKET_IFNAME={interfaces}",
        "# UCX_NET_DEVICES: the devices UCX (Open MPI's pml ucx) may use.",
        f"UCX_NET_DEVICES={interfaces}",
        "# OMPI_MCA_btl_tcp_if_include: Open MPI's TCP transport stays on these interfaces.",
        f"OMPI_MCA_btl_tcp_if_include={interfaces}",
    ]
    if hca:
        lines += ["# NCCL_IB_HCA: the RoCE devices NCCL's IB transport uses; both halves of one port (two PCIe x4 links) carry ~200 Gb/s together.",
                  f"NCCL_IB_HCA={','.join(str(h) for h in hca)}"]
    return "\n".join(lines) + "\n"


def _public_key(text: object, what: str) -> tuple[str, str]:
    """``(type, base64)`` of an OpenSSH public key line; ValueError naming ``what`` otherwise."""
    fields = str(text or "").split()
    if len(fields) < 2 or fields[0] not in _HOST_KEY_TYPES:
        raise ValueError(f"{what} is not an OpenSSH public key line (type, base64, comment)")
    try:
        base64.b64decode(fields[1], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{what} has a key that is not base64") from None
    return fields[0], fields[1]


def peer_keys(stdout: object) -> dict[str, str]:
    """The peer's MPI public key and SSH host key from the read task's ``user-key ...``/``host-key ...`` lines ('' when missing)."""
    found = {"user_pubkey": "", "host_pubkey": ""}
    for line in str(stdout or "").splitlines():
        label, _space, rest = line.partition(" ")
        if label in ("user-key", "host-key") and rest.strip():
            found[{"user-key": "user_pubkey", "host-key": "host_pubkey"}[label]] = rest.strip()
    return found


def authorized_key(link: t.Mapping[str, t.Any], public_key: str) -> str:
    """The peer's MPI key for authorized_keys: usable only from the peer's ConnectX-7 addresses, no forwarding."""
    _enabled(link)
    kind, blob = _public_key(public_key, f"{link['peer']}'s MPI public key")
    sources = ",".join(s.removesuffix("/32") for s in link["peer_sources"])
    return f'from="{sources}",no-agent-forwarding,no-port-forwarding,no-X11-forwarding {kind} {blob} {link["user"]}@{link["peer"]}-cx7'


def known_hosts(link: t.Mapping[str, t.Any], host_key: str) -> str:
    """One known_hosts line: the peer's host key under its ConnectX-7 names (trust is pinned, never on first use)."""
    _enabled(link)
    kind, blob = _public_key(host_key, f"{link['peer']}'s SSH host key")
    return f"{','.join(link['peer_names'])} {kind} {blob}\n"


def ssh_config(link: t.Mapping[str, t.Any], identity: str, known_hosts_file: str) -> str:
    """An ssh_config.d block for the MPI account only: this node's own key and the pinned host key, nothing learnt."""
    _enabled(link)
    return "\n".join([
        f"# The MPI account reaches {link['peer']} over ConnectX-7 with this node's own key and the peer's pinned host key.",
        f"Match localuser {link['user']} host {','.join(link['peer_names'])}",
        f"    IdentityFile {identity}",
        "    IdentitiesOnly yes",
        f"    GlobalKnownHostsFile {known_hosts_file}",
        "    UserKnownHostsFile /dev/null",
        "    StrictHostKeyChecking yes",
        "    BatchMode yes",
    ]) + "\n"


def _links(ip_json: object) -> dict[str, dict[str, t.Any]]:
    """``ip -j addr show`` output (text or parsed) by interface name; unreadable output gives none."""
    try:
        data = json.loads(ip_json) if isinstance(ip_json, str) else ip_json
    except ValueError:
        return {}
    if not isinstance(data, list):
        return {}
    return {str(link["ifname"]): link for link in data if isinstance(link, dict) and "ifname" in link}


def _inet(link: t.Mapping[str, t.Any]) -> list[str]:
    return [f"{a['local']}/{a['prefixlen']}" for a in link.get("addr_info", []) if isinstance(a, dict) and a.get("family") == "inet"]


def _link_local(link: t.Mapping[str, t.Any]) -> str:
    netaddr = require_netaddr()
    for cidr in _inet(link):
        if netaddr.IPNetwork(cidr).ip in netaddr.IPNetwork(LINK_LOCAL):
            return cidr.split("/")[0]
    return ""


def _has_address(link: t.Mapping[str, t.Any], port: t.Mapping[str, t.Any], addressing: str) -> bool:
    return port["address"] in _inet(link) if addressing == "static" else bool(_link_local(link))


def drift(ip_json: object, link: t.Mapping[str, t.Any]) -> list[str]:
    """How the live ports differ from the plan in what `netplan apply` sets (MTU, static address); absent ports are not drift."""
    if not link.get("enabled"):
        return []
    live = _links(ip_json)
    found = []
    for port in link["ports"]:
        now = live.get(port["interface"])
        if now is None:
            continue
        if now.get("mtu") != link["mtu"]:
            found.append(f"{port['interface']} has MTU {now.get('mtu')}, want {link['mtu']}")
        if link["addressing"] == "static" and port["address"] not in _inet(now):
            found.append(f"{port['interface']} lacks {port['address']}")
    return found


def _up(link: t.Mapping[str, t.Any] | None) -> bool:
    return bool(link) and "LOWER_UP" in (link or {}).get("flags", []) and (link or {}).get("operstate") in ("UP", "UNKNOWN")


def ports_ready(ip_json: object, link: t.Mapping[str, t.Any]) -> bool:
    """Every port exists, has carrier and has its address (a 169.254 one with link-local addressing)."""
    live = _links(ip_json)
    return all(_up(live.get(p["interface"])) and _has_address(live[p["interface"]], p, link["addressing"]) for p in link["ports"])


def targets(link: t.Mapping[str, t.Any], peer_ip_json: object = None) -> list[list[str]]:
    """``[interface, peer address or '-']`` per port: the plan's address, or the one the peer's port picked (link-local)."""
    if link["addressing"] == "static":
        return [[p["interface"], p["peer_ip"]] for p in link["ports"]]
    theirs = _links(peer_ip_json)
    return [[p["interface"], _link_local(theirs.get(p["peer_interface"], {})) or "-"] for p in link["ports"]]


def _results(probe: object) -> dict[tuple[str, str], tuple[int, str]]:
    """``ping <if> <rc>``, ``pmtu <if> <rc>``, ``ssh <if> <rc> <last line>`` from the probe, by (kind, interface)."""
    found: dict[tuple[str, str], tuple[int, str]] = {}
    for line in str(probe or "").splitlines():
        fields = line.split(" ", 3)
        if len(fields) >= 3 and fields[0] in ("ping", "pmtu", "ssh") and fields[2].lstrip("-").isdigit():
            found[(fields[0], fields[1])] = (int(fields[2]), fields[3].strip() if len(fields) > 3 else "")
    return found


_RUNBOOK = "see docs/runbooks/cx7_link.md"


def checks(link: t.Mapping[str, t.Any], ip_json: object, ping_targets: object, probe: object) -> list[dict[str, t.Any]]:
    """The verify rows: per port link, MTU, ping, path MTU and SSH as the MPI account; one skipped row without a peer."""
    if not link.get("enabled"):
        return [{"name": "peer", "ok": True, "detail": "no ConnectX-7 peer",
                 "skipped_because": "cx7_link_peer is empty: this host has no ConnectX-7 link to set up (set it on both Sparks of a pair)"}]
    live = _links(ip_json)
    address_of = {str(row[0]): str(row[1]) for row in ping_targets if isinstance(row, (list, tuple)) and len(row) == 2} \
        if isinstance(ping_targets, (list, tuple)) else {}
    results = _results(probe)
    peer, mtu, user = link["peer"], link["mtu"], link["user"]
    rows: list[dict[str, t.Any]] = []
    for port in link["ports"]:
        name = port["interface"]
        now = live.get(name)
        addresses = ", ".join(_inet(now)) if now else ""
        if now is None:
            link_detail = f"{name} does not exist: check the interface name with ibdev2netdev or `ip link` ({_RUNBOOK})"
        elif _up(now):
            link_detail = f"{name} is up with carrier, {addresses or 'no IPv4 address'}" + (
                "" if _has_address(now, port, link["addressing"]) else f"; want {port['address'] or 'a 169.254.x.y address'}: {_RUNBOOK}")
        else:
            link_detail = f"{name} is {now.get('operstate', 'unknown')} without carrier: check the QSFP cable and that {peer} is on ({_RUNBOOK})"
        rows.append({"name": f"{name} link", "ok": bool(now) and _up(now) and _has_address(now or {}, port, link["addressing"]),
                     "detail": link_detail})
        live_mtu = (now or {}).get("mtu")
        rows.append({"name": f"{name} MTU", "ok": live_mtu == mtu,
                     "detail": f"MTU {live_mtu} as set" if live_mtu == mtu else
                     f"MTU {live_mtu if now else 'unknown (no interface)'}, want {mtu}: run `netplan apply` ({_RUNBOOK})"})
        target = address_of.get(name, "-")
        if target == "-":
            why = f"{peer}'s {port['peer_interface']} has no 169.254.x.y address yet" if link["addressing"] == "link-local" else "no peer address"
            rows += [{"name": f"{name} {kind}", "ok": False, "detail": f"not tried: {why} ({_RUNBOOK})"}
                     for kind in (f"ping {peer}", "path MTU", f"SSH as {user}")]
            continue
        ping, _said = results.get(("ping", name), (-1, ""))
        rows.append({"name": f"{name} ping {peer}", "ok": ping == 0,
                     "detail": f"{target} answers over {name}" if ping == 0 else
                     f"{target} does not answer over {name} (ping rc {ping}): check the cable, the peer's port and its firewall ({_RUNBOOK})"})
        pmtu, _said = results.get(("pmtu", name), (-1, ""))
        size = mtu - _ICMP_OVERHEAD
        rows.append({"name": f"{name} path MTU", "ok": pmtu == 0,
                     "detail": f"{size}-byte pings with don't-fragment reach {target}: {mtu}-byte packets pass end to end" if pmtu == 0 else
                     f"{size}-byte pings with don't-fragment do not reach {target} (rc {pmtu}): the peer's port or something between has a"
                     f" smaller MTU than {mtu} ({_RUNBOOK})"})
        ssh, said = results.get(("ssh", name), (-1, ""))
        rows.append({"name": f"{name} SSH as {user}", "ok": ssh == 0,
                     "detail": f"{user} logs in to {peer} at {target} with this node's key and the pinned host key" if ssh == 0 else
                     f"{user} cannot log in to {peer} at {target} (rc {ssh}: {said or 'no output'}); is {user} in a group sshd allows"
                     f" (ssh_hardening_allow_groups)? {_RUNBOOK}"})
    return rows
