"""Peers from the fleet: hub and spoke, full mesh, unmanaged peers, and bad input named by field."""

from __future__ import annotations

import base64
import collections.abc
import json
import os
import pathlib
import subprocess
import sys
import typing as t

import pytest

from ansible_collections.nova.dgx.plugins.filter.wireguard import FilterModule
from ansible_collections.nova.dgx.plugins.plugin_utils._wireguard import fleet_members, input_errors, peers, preshared_key

ROOT = pathlib.Path(__file__).resolve().parents[4]
KEYS = {n: base64.b64encode(n.encode().ljust(32, b"k")).decode() for n in ("dgx-spark-01", "mgmt-01", "db-01", "gpu-02")}
HOSTVARS = {
    "dgx-spark-01": {"wireguard_address": "10.99.0.11", "wireguard_addresses": ["10.99.0.11", "fd42::11"], "ansible_host": "172.31.240.11",
                     "wireguard_port": 51820, "wireguard_hub": False},
    "mgmt-01": {"wireguard_address": "10.99.0.12", "wireguard_addresses": ["10.99.0.12", "fd42::12"], "ansible_host": "172.31.240.12",
                "wireguard_port": 51820, "wireguard_hub": True},
    "db-01": {"wireguard_address": "10.99.0.13", "wireguard_addresses": ["10.99.0.13", "fd42::13"], "ansible_host": "172.31.240.13",
              "wireguard_port": 51820, "wireguard_hub": False},
    "bastion": {"ansible_host": "192.0.2.1"},
}
NETWORKS = ["10.99.0.0/24", "fd42::/64"]
LAPTOP = {"name": "laptop", "public_key": base64.b64encode(b"l" * 32).decode(), "allowed_ips": ["10.99.0.200/32"]}


def _members() -> list[dict]:
    return fleet_members(HOSTVARS, HOSTVARS)


def test_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {"wireguard_members", "wireguard_peers", "wireguard_input_errors", "wireguard_psk"}


def test_members_are_the_hosts_with_an_overlay_address() -> None:
    members = _members()
    assert [m["name"] for m in members] == ["db-01", "dgx-spark-01", "mgmt-01"]
    assert members[2] == {"name": "mgmt-01", "addresses": ["10.99.0.12", "fd42::12"], "endpoint_host": "172.31.240.12", "port": 51820, "hub": True}


class _Lazy(collections.abc.Mapping):
    """Hostvars as a run has them: reading a variable templates it. Only the member variables may be read;
    templating a host's whole hostvars (its facts and every fact the run set) cost a tenth of a second a use."""

    MEMBER_VARS = ("wireguard_address", "wireguard_addresses", "wireguard_endpoint", "ansible_host", "wireguard_port", "wireguard_hub")

    def __init__(self, values: dict) -> None:
        self.values = dict(values, ansible_facts={"huge": 1}, base_packages_dpkg={})

    def __getitem__(self, key: str) -> object:
        assert key in self.MEMBER_VARS, f"fleet_members read {key}"
        return self.values[key]

    def __iter__(self) -> t.Iterator[str]:
        raise AssertionError("fleet_members listed every variable")

    def __len__(self) -> int:
        return len(self.values)

    def __contains__(self, key: object) -> bool:
        return key in self.values


def test_members_read_only_the_overlay_variables() -> None:
    hostvars = {name: _Lazy(values) for name, values in HOSTVARS.items()}
    assert fleet_members(hostvars, hostvars) == _members()


def test_hub_gets_every_spoke_with_host_routes_and_the_unmanaged_peers() -> None:
    hub = peers(_members(), "mgmt-01", KEYS, NETWORKS, "hub", 25, [LAPTOP])
    assert [p["name"] for p in hub] == ["db-01", "dgx-spark-01", "laptop"]
    assert hub[1] == {"name": "dgx-spark-01", "public_key": KEYS["dgx-spark-01"], "allowed_ips": ["10.99.0.11/32", "fd42::11/128"],
                      "endpoint": "172.31.240.11:51820", "persistent_keepalive": 25}
    assert hub[2]["allowed_ips"] == ["10.99.0.200/32"] and hub[2]["persistent_keepalive"] == 25


def test_spoke_gets_only_the_hub_for_the_whole_overlay() -> None:
    spoke = peers(_members(), "dgx-spark-01", KEYS, NETWORKS, "hub", 25, [LAPTOP])
    assert spoke == [{"name": "mgmt-01", "public_key": KEYS["mgmt-01"], "allowed_ips": NETWORKS, "endpoint": "172.31.240.12:51820",
                      "persistent_keepalive": 25}]


def test_mesh_gives_everyone_everyone() -> None:
    mesh = peers(_members(), "db-01", KEYS, NETWORKS, "mesh", 0, [LAPTOP])
    assert [p["name"] for p in mesh] == ["dgx-spark-01", "mgmt-01", "laptop"]
    assert all(p["persistent_keepalive"] == 0 for p in mesh)
    assert mesh[1]["allowed_ips"] == ["10.99.0.12/32", "fd42::12/128"]


def test_a_member_without_a_key_yet_is_left_out_and_ipv6_endpoints_are_bracketed() -> None:
    newcomer = {"wireguard_address": "fd42::20", "wireguard_addresses": ["fd42::20"], "ansible_host": "2001:db8::20",
                "wireguard_port": 51821, "wireguard_hub": False}
    hostvars = dict(HOSTVARS, **{"gpu-02": newcomer})
    members = fleet_members(hostvars, hostvars)
    assert "gpu-02" in [p["name"] for p in peers(members, "mgmt-01", KEYS, NETWORKS)]
    hub = peers(members, "mgmt-01", {k: v for k, v in KEYS.items() if k != "db-01"}, NETWORKS)
    assert [p["name"] for p in hub] == ["dgx-spark-01", "gpu-02"]
    assert hub[1]["endpoint"] == "[2001:db8::20]:51821"


def test_hub_and_spoke_needs_one_hub() -> None:
    members = [dict(m, hub=False) for m in _members()]
    with pytest.raises(ValueError, match="exactly one hub"):
        peers(members, "db-01", KEYS, NETWORKS)
    with pytest.raises(ValueError, match="not a WireGuard member"):
        peers(_members(), "bastion", KEYS, NETWORKS)


@pytest.mark.parametrize(
    ("networks", "port", "extra", "message"),
    [
        (["10.99.0.0/24", "10.99.0.128/25"], 51820, [], "wireguard_networks[1] 10.99.0.128/25 overlaps 10.99.0.0/24"),
        (["10.99.0.1/24"], 51820, [], "wireguard_networks[0] must be a network in CIDR form without host bits"),
        (["vpn"], 51820, [], "wireguard_networks[0] must be a network in CIDR form"),
        (NETWORKS, 0, [], "wireguard_port must be a port number from 1 to 65535, got int 0"),
        (NETWORKS, 70000, [], "wireguard_port must be a port number"),
        (NETWORKS, 51820, [LAPTOP, dict(LAPTOP, name="phone")], "wireguard_extra_peers[1] (phone): field 'public_key' repeats wireguard_extra_peers[0]"),
        (NETWORKS, 51820, [dict(LAPTOP, endpoint="laptop.example:99999")], "wireguard_extra_peers[0] (laptop): field 'endpoint' must be host:port"),
        (NETWORKS, 51820, [dict(LAPTOP, endpoint="no-port")], "field 'endpoint' must be host:port"),
        (NETWORKS, 51820, [dict(LAPTOP, allowed_ips=["10.99.0.300/32"])], "field 'allowed_ips[0]' must be a CIDR"),
        (NETWORKS, 51820, [dict(LAPTOP, public_key="abc")], "field 'public_key' must be a WireGuard public key"),
    ],
)
def test_bad_input_is_named(networks: list, port: object, extra: list, message: str) -> None:
    errors = input_errors(networks, port, extra, "hub")
    assert any(message in e for e in errors), errors


def test_good_input_has_no_errors() -> None:
    assert input_errors(NETWORKS, 51820, [dict(LAPTOP, endpoint="[2001:db8::1]:51820")], "mesh") == []


def test_documented_for_ansible_doc() -> None:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    for name in ("wireguard_peers", "wireguard_members"):
        out = subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-doc"), "-t", "filter", "--json", f"nova.dgx.{name}"],
                             capture_output=True, text=True, check=True, env=env)
        doc = json.loads(out.stdout)[f"nova.dgx.{name}"]
        assert doc["doc"]["name"] == name and doc["examples"]


def test_preshared_key_is_the_same_from_both_ends_and_differs_per_pair() -> None:
    secret = "s" * 40
    ab = preshared_key(secret, "mgmt-01", "db-01")
    assert ab == preshared_key(secret, "db-01", "mgmt-01")
    assert ab != preshared_key(secret, "mgmt-01", "dgx-spark-01") and ab != preshared_key("t" * 40, "mgmt-01", "db-01")
    assert len(base64.b64decode(ab)) == 32
    with pytest.raises(ValueError, match="at least 32"):
        preshared_key("short", "a", "b")


PSK = base64.b64encode(b"p" * 32).decode()
PHONE = {"name": "phone", "public_key": base64.b64encode(b"f" * 32).decode(), "allowed_ips": ["10.99.0.201/32"]}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([{k: v for k, v in LAPTOP.items() if k != "name"}], "wireguard_extra_peers[0]: field 'name' is missing"),
        ([dict(LAPTOP, name="")], "wireguard_extra_peers[0]: field 'name' must be a non-empty one-line string"),
        ([LAPTOP, dict(PHONE, allowed_ips=["10.99.0.192/27"])],
         "wireguard_extra_peers[1] (phone): field 'allowed_ips' 10.99.0.192/27 overlaps 10.99.0.200/32 of wireguard_extra_peers[0] (laptop)"),
        ([dict(LAPTOP, preshared_key="secret")], "wireguard_extra_peers[0] (laptop): field 'preshared_key' must be a WireGuard preshared key"),
        ([dict(LAPTOP, endpoint="2001:db8::1:51820")], "write an IPv6 address in brackets, such as [2001:db8::1]:51820"),
        ("laptop", "wireguard_extra_peers must be a list of peers, got str"),
    ],
)
def test_extra_peers_are_checked_by_value(extra: list, message: str) -> None:
    errors = input_errors(NETWORKS, 51820, extra, "hub")
    assert len(errors) == 1 and message in errors[0], errors


def test_distinct_extra_peers_with_preshared_keys_pass() -> None:
    assert input_errors(NETWORKS, 51820, [dict(LAPTOP, preshared_key=PSK), PHONE], "hub") == []
