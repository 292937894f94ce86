# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet model behind the nova.dgx.fleet inventory plugin: validation and address allocation.

Pure Python (plus netaddr), no Ansible imports, so it is unit-tested directly. ``build_fleet``
either returns a complete model or raises ``FleetError`` with every problem found, each
naming the file, the host and the field; the plugin never adds a partial inventory.

WireGuard addresses: a host's allocated address is a function of its name and the CIDR only
(SHA-256 of the name, modulo the usable addresses). Adding or removing hosts therefore
never moves another host's address. Two hosts that land on the same address, or a host
that lands on an explicit address, are an error that names both and suggests a free
address to pin with ``wireguard_address``; nothing is silently reshuffled.
"""

from __future__ import annotations

import dataclasses
import hashlib
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._netaddr import NETADDR_IMPORT_ERROR, netaddr
from ansible_collections.nova.dgx.plugins.plugin_utils._types import yaml_kind
from ansible_collections.nova.dgx.plugins.plugin_utils._validate import network as parse_network, problem, short, shown

__all__ = ["ARCHITECTURES", "Fleet", "FleetError", "Host", "IMPLIED_ROLES", "ROLES", "allocate", "build_fleet"]

ROLES: frozenset[str] = frozenset(
    {"dgx", "gpu", "k3s_server", "k3s_agent", "monitoring", "vault", "postgres", "mongodb", "wireguard", "automation"}
)
# A DGX is always a GPU host.
IMPLIED_ROLES: dict[str, tuple[str, ...]] = {"dgx": ("gpu",)}
ARCHITECTURES: dict[str, str] = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}
TOP_KEYS = frozenset({"plugin", "sites", "hosts", "wireguard", "role_vars", "compose", "groups", "keyed_groups",
                      "strict", "use_extra_vars", "leading_separator", "cache", "cache_plugin", "cache_timeout",
                      "cache_connection", "cache_prefix"})
HOST_KEYS = frozenset({"name", "address", "architecture", "site", "roles", "vars", "wireguard_address"})
WIREGUARD_KEYS = frozenset({"cidr", "port", "hub"})


class FleetError(ValueError):
    """Every problem in a fleet file; str() lists them one per line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclasses.dataclass(frozen=True)
class Host:
    name: str
    address: str
    architecture: str
    site: str | None
    roles: tuple[str, ...]
    vars: dict[str, t.Any]
    wireguard_addresses: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Fleet:
    hosts: tuple[Host, ...]
    sites: dict[str, dict[str, t.Any]]
    role_vars: dict[str, dict[str, t.Any]]
    wireguard: dict[str, t.Any]

    def groups(self) -> dict[str, list[str]]:
        """Group name -> member host names, for roles (and implied roles) and sites."""
        members: dict[str, list[str]] = {}
        for host in self.hosts:
            for role in host.roles:
                members.setdefault(role, []).append(host.name)
            if host.site:
                members.setdefault(f"site_{host.site}", []).append(host.name)
        return members

    def hostvars(self, host: Host) -> dict[str, t.Any]:
        """The variables the fleet itself gives a host (its own vars come last and win)."""
        result: dict[str, t.Any] = {
            "ansible_host": host.address,
            "fleet_architecture": host.architecture,
            "fleet_roles": list(host.roles),
        }
        if host.site:
            result["fleet_site"] = host.site
        if host.wireguard_addresses:
            result["wireguard_addresses"] = list(host.wireguard_addresses)
            result["wireguard_address"] = host.wireguard_addresses[0]
            result["wireguard_port"] = self.wireguard["port"]
            result["wireguard_hub"] = host.name == self.wireguard.get("hub")
            cidr = self.wireguard["cidr"]
            result["wireguard_networks"] = list(cidr) if isinstance(cidr, list) else [cidr]
        result.update(host.vars)
        return result


class _Checker:
    """Collects errors, each prefixed with the file and the place in it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{self.source}: {where}: {message}")

    def expect(self, where: str, value: object, kind: type | tuple[type, ...], wanted: str) -> bool:
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            self.error(where, f"must be {wanted}, got {shown(value)}")
        return ok

    def variables(self, where: str, value: object) -> dict[str, t.Any]:
        if value is None:
            return {}
        if not self.expect(where, value, dict, "a mapping of variable names to values") or not isinstance(value, dict):
            return {}
        for name in value:
            if problem(name, "variable name"):
                self.error(where, f"{short(name)} is not a valid variable name")
        return dict(value)


def _networks(check: _Checker, wireguard: dict[str, t.Any]) -> list[t.Any]:
    raw = wireguard.get("cidr")
    cidrs = raw if isinstance(raw, list) else [raw]
    networks: list[t.Any] = []
    if not cidrs:
        check.error("wireguard.cidr", "is an empty list; give one CIDR or a list of one IPv4 and/or one IPv6 CIDR, e.g. [10.99.0.0/24]")
    for pos, cidr in enumerate(cidrs):
        where = "wireguard.cidr" + (f"[{pos}]" if isinstance(raw, list) else "")
        if not check.expect(where, cidr, str, "a CIDR such as 10.99.0.0/24 or fd00:99::/64"):
            continue
        network = parse_network(cidr) if isinstance(cidr, str) and "/" in cidr else None
        if network is None:
            check.error(where, f"{short(cidr)} is not a CIDR (write it as address/prefix, e.g. 10.99.0.0/24)")
            continue
        if str(network.cidr) != str(network):
            check.error(where, f"{cidr!r} has host bits set; the network is {network.cidr}")
            continue
        if _usable(network)[1] < 1:
            check.error(where, f"{cidr} has no usable host addresses")
            continue
        if any(n.version == network.version for n in networks):
            check.error(where, f"a second IPv{network.version} CIDR; give at most one IPv4 and one IPv6 CIDR")
            continue
        networks.append(network)
    return networks


def _usable(network: t.Any) -> tuple[int, int]:
    """First usable address (as int) and how many there are: no network, no IPv4 broadcast."""
    first, last = int(network.first), int(network.last)
    if network.version == 4 and network.prefixlen <= 30:
        return first + 1, last - first - 1
    if network.version == 6 and network.prefixlen <= 126:
        return first + 1, last - first
    return first, last - first + 1


def allocate(name: str, network: t.Any) -> str:
    """The address a host gets from ``network`` when none is given: depends on name and network only."""
    first, count = _usable(network)
    offset = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:16], "big") % count
    return str(netaddr.IPAddress(first + offset, network.version))


def _free_near(address: str, network: t.Any, taken: set[str]) -> str | None:
    first, count = _usable(network)
    start = int(netaddr.IPAddress(address)) - first
    for step in range(1, min(count, 65536)):
        candidate = str(netaddr.IPAddress(first + (start + step) % count, network.version))
        if candidate not in taken:
            return candidate
    return None


def _host(check: _Checker, pos: int, spec: object, sites: dict[str, t.Any]) -> dict[str, t.Any] | None:
    if not isinstance(spec, dict):
        check.error(f"hosts[{pos}]", f"must be a mapping with at least name, address and architecture, got {yaml_kind(spec)}")
        return None
    name = spec.get("name")
    where = f"host {name}" if isinstance(name, str) and name else f"hosts[{pos}]"
    for key in spec:
        if key not in HOST_KEYS:
            check.error(where, f"unknown field {key!r}; known fields: {', '.join(sorted(HOST_KEYS))}")
    if "name" not in spec:
        check.error(where, "field 'name' is missing")
    elif check.expect(f"{where}: field 'name'", name, str, "a string") and problem(name, "hostname"):
        check.error(where, f"field 'name' {short(name)} is not a valid host name (letters, digits, '-' and dots)")
    address = spec.get("address")
    if address is None:
        check.error(where, "field 'address' is missing; give the IP address or DNS name Ansible connects to")
    elif check.expect(f"{where}: field 'address'", address, str, "a string (IP address or DNS name)"):
        try:
            address = str(netaddr.IPAddress(address))
        except (netaddr.AddrFormatError, ValueError):
            if problem(address, "hostname"):
                check.error(where, f"field 'address' {short(address)} is neither an IP address nor a DNS name")
    arch = spec.get("architecture")
    if arch is None:
        check.error(where, f"field 'architecture' is missing; one of {', '.join(sorted(ARCHITECTURES))}")
    elif isinstance(arch, str) and arch in ARCHITECTURES:
        arch = ARCHITECTURES[arch]
    else:
        check.error(where, f"field 'architecture' must be one of {', '.join(sorted(ARCHITECTURES))}, got {short(arch)}")
    roles = spec.get("roles", [])
    if check.expect(f"{where}: field 'roles'", roles, list, "a list of roles"):
        for role in roles:
            if not isinstance(role, str) or role not in ROLES:
                check.error(where, f"field 'roles' has unknown role {short(role)}; known roles: {', '.join(sorted(ROLES))}")
    else:
        roles = []
    site = spec.get("site")
    if site is not None and check.expect(f"{where}: field 'site'", site, str, "a site name") and site not in sites:
        known = ", ".join(sorted(sites)) or "none defined"
        check.error(where, f"field 'site' names unknown site {short(site)}; sites: {known}")
    wg = spec.get("wireguard_address")
    wg_list = wg if isinstance(wg, list) else [] if wg is None else [wg]
    for item in wg_list:
        check.expect(f"{where}: field 'wireguard_address'", item, str, "an address or a list of addresses")
    return {
        "name": name, "where": where, "address": address, "architecture": arch, "site": site,
        "roles": [r for r in roles if isinstance(r, str)], "vars": check.variables(f"{where}: field 'vars'", spec.get("vars")),
        "wireguard_address": [w for w in wg_list if isinstance(w, str)],
    }


def _explicit_errors(check: _Checker, members: list[dict[str, t.Any]], networks: list[t.Any]) -> None:
    """Explicit addresses that fit no overlay network: not an address, or of an IP version it lacks."""
    versions = {n.version for n in networks}
    for host in members:
        for value in host["wireguard_address"]:
            version = _version(value)
            if version is None:
                check.error(host["where"], f"field 'wireguard_address' {short(value)} is not an IP address")
            elif version not in versions:
                check.error(host["where"], f"field 'wireguard_address' {value} is IPv{version} but wireguard.cidr has no IPv{version} "
                                           f"network ({', '.join(str(n) for n in networks)}); add one or remove the address")


def _assign_addresses(check: _Checker, hosts: list[dict[str, t.Any]], networks: list[t.Any]) -> None:
    members = [h for h in hosts if "wireguard" in h["roles"]]
    for host in hosts:
        if host["wireguard_address"] and host not in members:
            check.error(host["where"], "field 'wireguard_address' is set but the host lacks role 'wireguard'")
    _explicit_errors(check, members, networks)
    for network in networks:
        first, count = _usable(network)
        owners: dict[str, str] = {}
        if len(members) > count:
            check.error("wireguard.cidr", f"{network} is exhausted: {len(members)} hosts need addresses, "
                                          f"it has {count}; use a larger CIDR")
            return
        explicit_hosts = []
        for host in members:
            explicit = [a for a in host["wireguard_address"] if _version(a) == network.version]
            for value in explicit:
                number = int(netaddr.IPAddress(value))
                if netaddr.IPAddress(value) not in network:
                    check.error(host["where"], f"field 'wireguard_address' {value} is outside wireguard.cidr {network}")
                elif not first <= number < first + count:
                    kind = "network" if number == int(network.first) else "broadcast"
                    check.error(host["where"], f"field 'wireguard_address' {value} is the {kind} address of {network}; "
                                               "pick a host address inside it")
                elif value in owners:
                    check.error(host["where"], f"field 'wireguard_address' {value} is already host {owners[value]}'s")
                else:
                    owners[value] = host["name"]
                    host.setdefault("allocated", []).append(value)
            if explicit:
                explicit_hosts.append(host["name"])
        wanted = {allocate(h["name"], network) for h in members}
        suggested: set[str] = set()
        for host in members:
            if host["name"] in explicit_hosts:
                continue
            value = allocate(host["name"], network)
            if value in owners:
                free = _free_near(value, network, set(owners) | wanted | suggested)
                if free:
                    suggested.add(free)
                check.error(host["where"], f"allocated WireGuard address {value} collides with host {owners[value]}; "
                                           f"pin one of them, e.g. wireguard_address: {free}")
                continue
            owners[value] = host["name"]
            host.setdefault("allocated", []).append(value)


def _version(value: str) -> int | None:
    try:
        return netaddr.IPAddress(value).version
    except (netaddr.AddrFormatError, ValueError):
        return None


def build_fleet(data: object, source: str) -> Fleet:
    """Validate a loaded fleet file and return the model, or raise FleetError listing every problem."""
    if NETADDR_IMPORT_ERROR is not None:
        raise FleetError([f"{source}: the nova.dgx.fleet inventory needs the Python library netaddr on the controller"])
    check = _Checker(source)
    if data is None:
        raise FleetError([f"{source}: is empty (or only comments); a fleet file needs 'plugin: nova.dgx.fleet' and a list of hosts"])
    if not isinstance(data, dict):
        raise FleetError([f"{source}: must be a mapping with 'plugin: nova.dgx.fleet' and 'hosts'"])
    for key in data:
        if key not in TOP_KEYS:
            check.error(str(key), f"unknown top-level key; known keys: {', '.join(sorted(TOP_KEYS))}")
    sites: dict[str, dict[str, t.Any]] = {}
    raw_sites = data.get("sites") or {}
    if check.expect("sites", raw_sites, dict, "a mapping of site name to {vars: ...}"):
        for name, spec in raw_sites.items():
            spec = spec or {}
            if problem(f"site_{name}", "variable name"):
                check.error(f"site {short(name)}", f"the name would make the group {short(f'site_{name}')}, which Ansible "
                                                   "cannot use; use letters, digits and '_' only (e.g. lab_a)")
                continue
            if check.expect(f"site {name}", spec, dict, "a mapping with optional 'vars'"):
                sites[str(name)] = check.variables(f"site {name}: field 'vars'", spec.get("vars"))
    role_vars: dict[str, dict[str, t.Any]] = {}
    raw_roles = data.get("role_vars") or {}
    if check.expect("role_vars", raw_roles, dict, "a mapping of role name to variables"):
        for role, variables in raw_roles.items():
            if not isinstance(role, str) or role not in ROLES:
                check.error(f"role_vars.{role if isinstance(role, str) else short(role)}", f"unknown role; known roles: {', '.join(sorted(ROLES))}")
            role_vars[str(role)] = check.variables(f"role_vars.{role}", variables)
    raw_hosts = data.get("hosts")
    if not isinstance(raw_hosts, list) or not raw_hosts:
        check.error("hosts", f"must be a non-empty list of hosts, got {yaml_kind(raw_hosts)}")
        raw_hosts = []
    hosts = [h for h in (_host(check, pos, spec, sites) for pos, spec in enumerate(raw_hosts)) if h]
    seen: dict[str, str] = {}
    addresses: dict[str, str] = {}
    for host in hosts:
        if isinstance(host["name"], str):
            if host["name"] in seen:
                check.error(host["where"], "is listed twice (duplicate host name)")
            seen[host["name"]] = host["name"]
        if isinstance(host["address"], str):
            if host["address"] in addresses and addresses[host["address"]] != host["name"]:
                check.error(host["where"], f"field 'address' {host['address']} is already host {addresses[host['address']]}'s")
            addresses.setdefault(host["address"], host["name"])
        for role in list(host["roles"]):
            for implied in IMPLIED_ROLES.get(role, ()):
                if implied not in host["roles"]:
                    host["roles"].append(implied)
    wireguard: dict[str, t.Any] = {}
    raw_wg = data.get("wireguard")
    members = [h for h in hosts if "wireguard" in h["roles"]]
    if raw_wg is None:
        if members:
            check.error("wireguard", f"hosts have role 'wireguard' ({', '.join(h['name'] for h in members)}) but no wireguard network is defined")
    elif check.expect("wireguard", raw_wg, dict, "a mapping with cidr, port and hub"):
        for key in raw_wg:
            if key not in WIREGUARD_KEYS:
                check.error(f"wireguard.{key}", f"unknown key; known keys: {', '.join(sorted(WIREGUARD_KEYS))}")
        if "cidr" not in raw_wg:
            check.error("wireguard.cidr", "is missing")
        port = raw_wg.get("port", 51820)
        if check.expect("wireguard.port", port, int, "a port number") and problem(port, "port"):
            check.error("wireguard.port", f"must be within 1-65535, got {port}")
        hub = raw_wg.get("hub")
        if hub is not None and (not isinstance(hub, str) or hub not in {h["name"] for h in members}):
            check.error("wireguard.hub", f"{short(hub)} is not a host with role 'wireguard'")
        networks = _networks(check, raw_wg) if "cidr" in raw_wg else []
        if networks and not check.errors:
            _assign_addresses(check, hosts, networks)
        wireguard = {"cidr": [str(n) for n in networks], "port": port, "hub": hub}
    if check.errors:
        raise FleetError(check.errors)
    return Fleet(
        hosts=tuple(
            Host(name=h["name"], address=h["address"], architecture=h["architecture"], site=h["site"],
                 roles=tuple(h["roles"]), vars=h["vars"], wireguard_addresses=tuple(h.get("allocated", ())))
            for h in hosts
        ),
        sites=sites,
        role_vars=role_vars,
        wireguard=wireguard,
    )
