# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Values for Docker's daemon.json checked before the role merges them, through the one validation engine.

dockerd refuses a daemon.json of the wrong shape only when it starts, and then Docker is down;
these checks name the key and the fix on the controller instead. Keys not listed here pass
through (dockerd still validates the merged file before it replaces the live one).
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._validate import invalid, network, shown

__all__ = ["daemon_errors"]

_KINDS = {
    "live-restore": "bool", "debug": "bool", "ipv6": "bool", "icc": "bool", "iptables": "bool", "ip-forward": "bool",
    "userland-proxy": "bool", "experimental": "bool", "no-new-privileges": "bool", "init": "bool",
    "log-driver": "string", "storage-driver": "string", "default-runtime": "string",
    "data-root": "absolute path", "exec-root": "absolute path",
    "log-level": "one of debug|info|warn|error|fatal",
    "mtu": "int 68-65535", "max-concurrent-downloads": "int 1-64", "max-concurrent-uploads": "int 1-64",
    "bip": "prefix", "fixed-cidr": "prefix", "fixed-cidr-v6": "prefix",
    "dns": "list of address", "exec-opts": "list of string", "storage-opts": "list of string", "labels": "list of string",
    "registry-mirrors": "list of string", "insecure-registries": "list of string", "hosts": "list of string",
}
_SIZE = re.compile(r"[1-9][0-9]*[kmg]")


def _pools(pools: object, where: str) -> list[str]:
    if not isinstance(pools, list):
        return [f"{where} must be a list of {{base, size}}, got {shown(pools)}"]
    errors: list[str] = []
    for i, pool in enumerate(pools):
        at = f"{where}[{i}]"
        if not isinstance(pool, dict) or set(pool) != {"base", "size"}:
            errors.append(f"{at} must be a mapping with exactly base and size, got {shown(pool)}")
            continue
        found = invalid(pool["base"], f"{at}.base", "prefix")
        errors += found
        size = pool["size"]
        net = None if found else network(pool["base"])
        bits = 32 if net is None or net.version == 4 else 128
        prefix = 0 if net is None else net.prefixlen
        if isinstance(size, bool) or not isinstance(size, int) or not prefix <= size <= bits:
            errors.append(f"{at}.size must be a prefix length from the base's /{prefix} to /{bits} (each network Docker makes), got {shown(size)}")
    return errors


def _log_opts(value: object, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where} must be a mapping of option to string, got {shown(value)}"]
    # daemon.json's log-opts are strings only: dockerd refuses max-file: 3 but takes "3".
    return [f"{where}.{key} must be a string (quote it), got {shown(item)}" for key, item in value.items() if not isinstance(item, str)]


def daemon_errors(options: object, pools: object = None, log_max_size: object = "100m", where: str = "docker_daemon_options") -> list[str]:
    """Every problem in the daemon.json options, the address pools and the log size, naming the variable."""
    errors: list[str] = []
    if not isinstance(options, dict):
        errors.append(f"{where} must be a mapping of daemon.json keys, got {shown(options)}")
        options = {}
    for key, kind in _KINDS.items():
        if key in options:
            errors += invalid(options[key], f"{where}.{key}", kind)
    if "log-opts" in options:
        errors += _log_opts(options["log-opts"], f"{where}.log-opts")
    if "default-address-pools" in options:
        errors += _pools(options["default-address-pools"], f"{where}.default-address-pools")
    hosts: t.Any = options.get("hosts")
    for host in hosts if isinstance(hosts, list) else []:
        if isinstance(host, str) and host.startswith("tcp://"):
            errors.append(f"{where}.hosts: {host} would serve the Docker API, root on this host, without authentication; "
                          "nova.dgx.docker removes TCP listeners: use the docker group, or docker -H ssh://<host> from elsewhere")
    if pools is not None:
        errors += _pools(pools, "docker_address_pools")
    if not isinstance(log_max_size, str) or not _SIZE.fullmatch(log_max_size):
        errors.append(f"docker_log_max_size must be a size such as 100m, 10k or 1g (digits and one of k, m, g), got {shown(log_max_size)}")
    return errors
