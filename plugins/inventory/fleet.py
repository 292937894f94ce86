# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

DOCUMENTATION = r"""
name: fleet
short_description: The nova.dgx fleet, described once in a C(*.fleet.yml) file
version_added: 0.1.0
author:
  - nova.dgx platform team (@nova-dgx)
description:
  - Reads sites, hosts, their roles and architectures, the WireGuard network and variables per
    role and per site from a C(*.fleet.yml) (or C(*.fleet.yaml)) file.
  - Makes one group per role (V(dgx) implies V(gpu)) and one group C(site_<name>) per site;
    role and site variables become group variables.
  - Gives every host with role V(wireguard) an address in each WireGuard CIDR (IPv4 and/or IPv6).
    An allocated address depends only on the host's name and the CIDR, so adding or removing
    hosts never moves another host's address; explicit C(wireguard_address) values are honoured.
    A collision is an error that suggests a free address to pin.
  - Validates the whole file first. Any error (duplicate host or address, an address outside
    the CIDR, an exhausted CIDR, an unknown role, a missing address, a wrong type) fails with
    the file, host and field named, and adds nothing to the inventory. An empty file, YAML
    aliases, and a host or pinned overlay address that another fleet file already has are errors too.
  - Site names become group names (C(site_<name>)), so they use letters, digits and C(_) only.
  - Hosts get C(ansible_host), C(fleet_architecture), C(fleet_roles), C(fleet_site) and, on the
    overlay, C(wireguard_address) (the first), C(wireguard_addresses), C(wireguard_port),
    C(wireguard_hub) and C(wireguard_networks) (the overlay's CIDRs, for firewall rules).
requirements:
  - netaddr (Python library, on the controller)
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: Marks the file for this plugin.
    type: str
    required: true
    choices: [nova.dgx.fleet]
  hosts:
    description:
      - The hosts. Each is a mapping with C(name), C(address) (IP or DNS name Ansible connects
        to), C(architecture) (V(x86_64) or V(aarch64); V(amd64) and V(arm64) are accepted),
        optional C(site), C(roles) (V(dgx), V(gpu), V(k3s_server), V(k3s_agent), V(monitoring),
        V(vault), V(postgres), V(mongodb), V(wireguard)), C(vars) and C(wireguard_address)
        (one address or a list, for IPv4 and IPv6).
    type: list
    elements: dict
    required: true
  sites:
    description: Sites by name, each with optional C(vars).
    type: dict
    default: {}
  role_vars:
    description: Variables per role, applied to the role's group.
    type: dict
    default: {}
  wireguard:
    description:
      - The overlay network. C(cidr) is one CIDR or a list of at most one IPv4 and one IPv6 CIDR;
        C(port) is the UDP port (default 51820); C(hub) names the hub host for hub-and-spoke.
    type: dict
"""

EXAMPLES = r"""
# inventories/site-a/site-a.fleet.yml
plugin: nova.dgx.fleet
sites:
  lab_a:
    vars:
      timesync_servers: [mgmt-01]
wireguard:
  cidr: [10.99.0.0/24, fd00:99::/64]
  port: 51820
  hub: mgmt-01
role_vars:
  dgx:
    nvidia_driver_branch: "580"
hosts:
  - name: dgx-spark-01
    address: 192.0.2.11
    architecture: aarch64
    site: lab_a
    roles: [dgx, k3s_server, wireguard]
  - name: mgmt-01
    address: 192.0.2.12
    architecture: x86_64
    site: lab_a
    roles: [monitoring, vault, wireguard]
    wireguard_address: 10.99.0.1
# Constructed features work as usual:
keyed_groups:
  - key: fleet_architecture
    prefix: arch
"""

import hashlib
import os
import typing as t

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

from ansible_collections.nova.dgx.plugins.plugin_utils._fleet import Fleet, FleetError, build_fleet
from ansible_collections.nova.dgx.plugins.plugin_utils._fleet_source import cross_file_errors, source_errors

display = Display()

_CACHE_VERSION = 1


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Build the inventory from a fleet file."""

    NAME = "nova.dgx.fleet"
    # The fleet file is the operator's own, like host_vars: its values may be templates.
    trusted_by_default = True

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith((".fleet.yml", ".fleet.yaml"))

    def parse(self, inventory: t.Any, loader: t.Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache)
        with open(path, "rb") as handle:
            raw = handle.read()
        digest = hashlib.sha256(raw).hexdigest()
        # Before Ansible's loader builds anything: an empty file, a list, an alias bomb.
        self._fail(path, source_errors(raw.decode("utf-8", errors="replace"), os.path.basename(path)))
        data = self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache")
        model: dict[str, t.Any] | None = None
        if use_cache and cache:
            cached = self._cache.get(cache_key)
            if isinstance(cached, dict) and cached.get("version") == _CACHE_VERSION and cached.get("sha256") == digest:
                model = cached
        if model is None:
            try:
                fleet = build_fleet(data, os.path.basename(path))
            except FleetError as exc:
                self._fail(path, exc.errors)
                raise
            model = self._model(fleet, digest)
            if use_cache:
                self._cache[cache_key] = model
        existing = {name: host.vars for name, host in self.inventory.hosts.items()}
        self._fail(path, [f"{os.path.basename(path)}: {e}" for e in cross_file_errors(path, model["hosts"], existing)])
        self._populate(model)

    @staticmethod
    def _fail(path: str, errors: list[str]) -> None:
        """Print every problem once, then fail the source with a one-line reason (Ansible shows that line twice)."""
        if errors:
            display.error(f"nova.dgx.fleet: {len(errors)} problem(s), nothing was added:\n" + "\n".join(errors))
            raise AnsibleParserError(f"nova.dgx.fleet: {path} has {len(errors)} problem(s), listed above; nothing was added")

    @staticmethod
    def _model(fleet: Fleet, digest: str) -> dict[str, t.Any]:
        return {
            "version": _CACHE_VERSION,
            "sha256": digest,
            "hosts": {host.name: fleet.hostvars(host) for host in fleet.hosts},
            "groups": fleet.groups(),
            "group_vars": {**{f"site_{s}": v for s, v in fleet.sites.items()}, **fleet.role_vars},
        }

    def _populate(self, model: dict[str, t.Any]) -> None:
        strict = self.get_option("strict")
        for group in model["groups"]:
            self.inventory.add_group(group)
        for group, variables in model["group_vars"].items():
            self.inventory.add_group(group)
            for name, value in variables.items():
                self.inventory.set_variable(group, name, value)
        for name, variables in model["hosts"].items():
            self.inventory.add_host(name)
            for key, value in variables.items():
                self.inventory.set_variable(name, key, value)
            self._set_composite_vars(self.get_option("compose"), variables, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, name, strict=strict)
        for group, members in model["groups"].items():
            for name in members:
                self.inventory.add_child(group, name)
