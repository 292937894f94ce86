"""daemon.json options, address pools and log size checked by value before nova.dgx.docker merges them."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.filter.docker import FilterModule
from ansible_collections.nova.dgx.plugins.plugin_utils._docker import daemon_errors

POOLS = [{"base": "172.30.0.0/16", "size": 24}]


def test_the_defaults_and_a_typical_set_pass() -> None:
    assert daemon_errors({}, POOLS, "100m") == []
    options = {"storage-driver": "vfs", "debug": True, "log-opts": {"labels": "team"}, "data-root": "/srv/docker",
               "hosts": ["unix:///var/run/docker.sock"], "dns": ["10.99.0.1"], "mtu": 1420, "x-unknown": {"any": 1}}
    assert daemon_errors(options, POOLS, "1g") == []
    assert FilterModule().filters()["docker_daemon_errors"] is daemon_errors


@pytest.mark.parametrize(("options", "pools", "size", "message"), [
    ({"live-restore": "yes"}, POOLS, "100m", "docker_daemon_options.live-restore must be true or false"),
    ({"log-opts": "max-size=10m"}, POOLS, "100m", "docker_daemon_options.log-opts must be a mapping of option to string"),
    ({"log-opts": {"max-file": 3}}, POOLS, "100m", "docker_daemon_options.log-opts.max-file must be a string (quote it)"),
    ({"hosts": ["tcp://0.0.0.0:2375"]}, POOLS, "100m", "tcp://0.0.0.0:2375 would serve the Docker API"),
    ({"data-root": "var/lib/docker"}, POOLS, "100m", "docker_daemon_options.data-root must be an absolute path"),
    ({"mtu": 20}, POOLS, "100m", "docker_daemon_options.mtu must be a whole number from 68 to 65535"),
    ({"default-address-pools": [{"base": "10.1.0.0/16", "size": 8}]}, POOLS, "100m",
     "docker_daemon_options.default-address-pools[0].size must be a prefix length from the base's /16 to /32"),
    ({}, [{"base": "172.30.0.0/16", "size": 40}], "100m", "docker_address_pools[0].size must be a prefix length from the base's /16 to /32"),
    ({}, [{"base": "172.30.0.0", "size": 24}], "100m", "docker_address_pools[0].base must be a CIDR with a prefix length"),
    ({}, [{"base": "172.30.0.0/16"}], "100m", "docker_address_pools[0] must be a mapping with exactly base and size"),
    ({}, "172.30.0.0/16", "100m", "docker_address_pools must be a list of {base, size}"),
    ({}, POOLS, "100 MB", "docker_log_max_size must be a size such as 100m"),
    (["storage-driver"], POOLS, "100m", "docker_daemon_options must be a mapping of daemon.json keys"),
])
def test_bad_values_are_refused_naming_the_key(options: object, pools: object, size: object, message: str) -> None:
    errors = daemon_errors(options, pools, size)
    assert any(message in e for e in errors), errors
