"""The ConnectX-7 link: both ends checked before any change, the plan, the files it writes and the verify rows."""

from __future__ import annotations

import json
import pathlib

import pytest
import yaml

from ansible_collections.nova.dgx.plugins.filter.cx7 import FilterModule
from ansible_collections.nova.dgx.plugins.plugin_utils._cx7 import (
    authorized_key, checks, drift, env_file, input_errors, known_hosts, netplan, peer_keys, plan, ports_ready, ssh_config, targets,
)

ROOT = pathlib.Path(__file__).resolve().parents[4]
DEFAULTS = yaml.safe_load((ROOT / "roles/cx7_link/defaults/main.yml").read_text())
DGX = ["spark-a", "spark-b", "spark-c"]
HOSTVARS = {"spark-a": {"cx7_link_peer": "spark-b"}, "spark-b": {"cx7_link_peer": "spark-a"}, "spark-c": {}, "mgmt-01": {}}
HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEufAr3CFlZnhNApZIW0GNwZv/huboaljOK4gi/Kp6hy root@spark-b"
MPI_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDyTfiH0RuzSs9/H//CFSgsbzLGDiTk/9giDIC0iTY0s mpi@spark-b-cx7"


def _mine(**changes: object) -> dict:
    return {**DEFAULTS, "cx7_link_peer": "spark-b", **changes}


def _errors(me: str = "spark-a", hostvars: dict | None = None, **changes: object) -> list[str]:
    return input_errors(_mine(**changes), me, HOSTVARS if hostvars is None else hostvars, DGX, DEFAULTS)


def _hostvars(**peer: object) -> dict:
    return {**HOSTVARS, "spark-b": {"cx7_link_peer": "spark-a", **peer}}


def _ip(*links: dict) -> str:
    return json.dumps([{"ifname": "lo", "mtu": 65536, "operstate": "UNKNOWN", "flags": ["LOOPBACK", "UP", "LOWER_UP"],
                        "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8}]}, *links])


def _port(name: str, address: str = "", mtu: int = 9000, up: bool = True) -> dict:
    local, _slash, prefix = address.partition("/")
    return {"ifname": name, "mtu": mtu, "operstate": "UP" if up else "DOWN", "flags": ["BROADCAST", "UP"] + (["LOWER_UP"] if up else []),
            "addr_info": [{"family": "inet", "local": local, "prefixlen": int(prefix)}] if address else []}


def test_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {
        "cx7_link_errors", "cx7_link_plan", "cx7_link_netplan", "cx7_link_env", "cx7_link_peer_keys", "cx7_link_authorized_key",
        "cx7_link_known_hosts", "cx7_link_ssh_config", "cx7_link_drift", "cx7_link_ready", "cx7_link_targets", "cx7_link_checks",
    }


def test_a_symmetric_pair_with_the_defaults_is_accepted() -> None:
    assert _errors() == []
    assert _errors("spark-b", cx7_link_peer="spark-a") == []


def test_no_peer_only_checks_the_shape_of_the_settings() -> None:
    assert _errors("mgmt-01", cx7_link_peer="") == []
    assert _errors("mgmt-01", cx7_link_peer="", cx7_link_mtu=100) == ["cx7_link_mtu must be a whole number from 1280 to 9216, got int 100"]


@pytest.mark.parametrize(
    ("me", "changes", "hostvars", "expected"),
    [
        ("spark-a", {"cx7_link_peer": "spark-09"}, None,
         "cx7_link_peer spark-09 is not in the inventory: name the other Spark by its inventory name (hosts in group dgx: spark-b, spark-c)"),
        ("spark-a", {"cx7_link_peer": "spark-a"}, None, "cx7_link_peer names spark-a itself"),
        ("spark-a", {"cx7_link_peer": "mgmt-01"}, None, "cx7_link_peer mgmt-01 is not in group dgx"),
        ("mgmt-01", {"cx7_link_peer": "spark-c"}, None, "cx7_link_peer is set but mgmt-01 is not in group dgx"),
        ("spark-a", {"cx7_link_peer": "spark-c"}, None,
         "cx7_link_peer: spark-c names '' as its peer, not spark-a; set cx7_link_peer: spark-a in spark-c's host variables"),
        ("spark-a", {"cx7_link_peer": ["spark-b"]}, None, "cx7_link_peer must be the inventory name of the other Spark"),
        ("spark-a", {}, _hostvars(cx7_link_mtu=1500), "cx7_link_mtu is 9000 here but 1500 on spark-b: set one MTU for both ends"),
        ("spark-a", {}, _hostvars(cx7_link_addressing="link-local"), "cx7_link_addressing is static here but link-local on spark-b"),
        ("spark-a", {}, _hostvars(cx7_link_mpi_user="nvidia"), "cx7_link_mpi_user is mpi here but nvidia on spark-b"),
        ("spark-a", {}, _hostvars(cx7_link_interfaces=["enp1s0f1np1"]), "cx7_link_interfaces has 2 ports here but 1 on spark-b"),
        ("spark-a", {}, _hostvars(cx7_link_interfaces=["x" * 16]), "spark-b's cx7_link_interfaces[0] must be an interface name"),
    ],
)
def test_the_pair_is_refused_naming_the_field_and_the_fix(me: str, changes: dict, hostvars: dict | None, expected: str) -> None:
    assert any(expected in e for e in _errors(me, hostvars, **changes)), _errors(me, hostvars, **changes)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"cx7_link_mtu": 1279}, "cx7_link_mtu must be a whole number from 1280 to 9216, got int 1279"),
        ({"cx7_link_mtu": 9217}, "cx7_link_mtu must be a whole number from 1280 to 9216, got int 9217"),
        ({"cx7_link_mtu": "jumbo"}, "cx7_link_mtu must be a whole number from 1280 to 9216, got str 'jumbo'"),
        ({"cx7_link_interfaces": ["enp1s0f1np1xxxxx", "enP2p1s0f1np1"]},
         "cx7_link_interfaces[0] must be an interface name of 1 to 15 characters (the kernel's limit) from A-Z a-z 0-9 _ . -, got str"),
        ({"cx7_link_interfaces": ["enp1s0f1np1", "en p1"]}, "cx7_link_interfaces[1] must be an interface name"),
        ({"cx7_link_interfaces": ["eth0;reboot", "eth1"]}, "cx7_link_interfaces[0] must be an interface name"),
        ({"cx7_link_interfaces": []}, "cx7_link_interfaces must be a list of 1 to 4 interface names"),
        ({"cx7_link_interfaces": ["a", "b", "c", "d", "e"]}, "cx7_link_interfaces must be a list of 1 to 4 interface names"),
        ({"cx7_link_interfaces": ["a", "a"]}, "cx7_link_interfaces lists a more than once"),
        ({"cx7_link_addressing": "dhcp"}, "cx7_link_addressing must be one of static, link-local"),
        ({"cx7_link_subnets": ["192.168.100.1/24"]}, "cx7_link_subnets[0] must be an IPv4 network in CIDR form without host bits"),
        ({"cx7_link_subnets": ["fd00::/64"]}, "cx7_link_subnets[0] must be an IPv4 network"),
        ({"cx7_link_addresses": {"enp1s0f1np1": "192.168.100.10"}}, "cx7_link_addresses[enp1s0f1np1] must be an IPv4 address with a prefix"),
        ({"cx7_link_addresses": {"enp1s0f1np1": "192.168.100.0/24"}}, "cx7_link_addresses[enp1s0f1np1] 192.168.100.0/24 is the network address"),
        ({"cx7_link_addresses": {"eth9": "192.168.100.10/24"}}, "cx7_link_addresses names eth9, which is not in cx7_link_interfaces"),
        ({"cx7_link_addresses": ["192.168.100.10/24"]}, "cx7_link_addresses must be a mapping of interface name to address"),
        ({"cx7_link_addressing": "link-local", "cx7_link_addresses": {"enp1s0f1np1": "192.168.100.10/24"}},
         "cx7_link_addresses is set but cx7_link_addressing is link-local"),
        ({"cx7_link_mpi_user": "MPI User"}, "cx7_link_mpi_user must match"),
        ({"cx7_link_env_file": "cx7.env"}, "cx7_link_env_file must be an absolute path"),
        ({"cx7_link_nccl_ib_hca": "rocep1s0f1"}, "cx7_link_nccl_ib_hca must be a list of RDMA device names"),
        ({"cx7_link_up_timeout": -1}, "cx7_link_up_timeout must be a whole number from 0 to 600"),
    ],
)
def test_bad_settings_are_refused(changes: dict, expected: str) -> None:
    assert any(expected in e for e in _errors(**changes)), _errors(**changes)


def test_static_addresses_must_pair_up_per_port_and_keep_apart() -> None:
    here = {"enp1s0f1np1": "192.168.100.10/24"}
    assert _errors(hostvars=_hostvars(cx7_link_addresses={"enp1s0f1np1": "192.168.200.11/24"}), cx7_link_addresses=here) == [
        "port 0 (enp1s0f1np1): 192.168.100.10/24 here and 192.168.200.11/24 on spark-b are not in one subnet; both ends of a cable need"
        " addresses in the same subnet (set cx7_link_addresses on both, or leave both to cx7_link_subnets)"]
    assert _errors(hostvars=_hostvars(cx7_link_addresses={"enp1s0f1np1": "192.168.100.10/24"}), cx7_link_addresses=here) == [
        "port 0 (enp1s0f1np1): spark-a and spark-b both have 192.168.100.10; give each end its own address"]
    both = ["192.168.100.0/24", "192.168.100.0/24"]
    assert "ports 0 and 1 have overlapping subnets" in " ".join(_errors(hostvars=_hostvars(cx7_link_subnets=both), cx7_link_subnets=both))
    small = ["192.168.100.0/29", "192.168.101.0/24"]
    assert "cx7_link_subnets[0] 192.168.100.0/29 is too small" in " ".join(_errors(hostvars=_hostvars(cx7_link_subnets=small), cx7_link_subnets=small))
    assert "spark-b's cx7_link_addresses[enp1s0f1np1] must be an IPv4 address" in " ".join(
        _errors(hostvars=_hostvars(cx7_link_addresses={"enp1s0f1np1": "nope"})))


def test_static_addresses_must_not_overlap_the_wireguard_overlay() -> None:
    found = input_errors(_mine(), "spark-a", HOSTVARS, DGX, DEFAULTS, wireguard_networks=["192.168.0.0/16", "fd42::/64"])
    assert found == [
        "port 0 (enp1s0f1np1): 192.168.100.0/24 overlaps the WireGuard overlay 192.168.0.0/16 (wireguard_networks); pick other subnets",
        "port 1 (enP2p1s0f1np1): 192.168.101.0/24 overlaps the WireGuard overlay 192.168.0.0/16 (wireguard_networks); pick other subnets"]


@pytest.mark.parametrize(("accounts", "exclusive", "refused"), [
    ([{"name": "mpi"}], True, True),
    ([{"name": "mpi", "exclusive_keys": False}], True, False),
    ([{"name": "mpi"}], False, False),
    ([{"name": "mpi", "exclusive_keys": True}], False, True),
    ([{"name": "ops"}], True, False),
    ([{"name": "mpi", "state": "absent"}], True, False),
])
def test_an_mpi_account_whose_keys_nova_dgx_users_owns_exclusively_is_refused(accounts: list, exclusive: bool, refused: bool) -> None:
    found = input_errors(_mine(), "spark-a", HOSTVARS, DGX, DEFAULTS, users_accounts=accounts, users_exclusive_keys=exclusive)
    assert bool(found) == refused
    if refused:
        assert found[0].startswith("cx7_link_mpi_user mpi has exclusive keys in users_accounts")


def test_the_plan_derives_nvidia_s_addresses_from_the_pair_s_order() -> None:
    a = plan(_mine(), "spark-a", HOSTVARS, DEFAULTS)
    b = plan(_mine(cx7_link_peer="spark-a"), "spark-b", HOSTVARS, DEFAULTS)
    assert [(p["interface"], p["address"], p["peer_ip"]) for p in a["ports"]] == [
        ("enp1s0f1np1", "192.168.100.10/24", "192.168.100.11"), ("enP2p1s0f1np1", "192.168.101.10/24", "192.168.101.11")]
    assert [p["address"] for p in b["ports"]] == ["192.168.100.11/24", "192.168.101.11/24"]
    assert a["peer_sources"] == ["192.168.100.11/32", "192.168.101.11/32"] and a["peer_names"] == ["192.168.100.11", "192.168.101.11"]
    assert (a["mtu"], a["user"], a["addressing"], a["enabled"]) == (9000, "mpi", "static", True)


def test_explicit_addresses_win_and_the_peer_s_come_from_its_hostvars() -> None:
    hostvars = _hostvars(cx7_link_addresses={"enp1s0f1np1": "10.77.0.2/30"})
    found = plan(_mine(cx7_link_addresses={"enp1s0f1np1": "10.77.0.1/30"}), "spark-a", hostvars, DEFAULTS)
    assert [(p["address"], p["peer_address"]) for p in found["ports"]] == [("10.77.0.1/30", "10.77.0.2/30"),
                                                                           ("192.168.101.10/24", "192.168.101.11/24")]


def test_link_local_plans_accept_the_whole_link_local_range_from_the_peer() -> None:
    hostvars = _hostvars(cx7_link_addressing="link-local")
    found = plan(_mine(cx7_link_addressing="link-local"), "spark-a", hostvars, DEFAULTS)
    assert found["peer_sources"] == ["169.254.0.0/16"] and found["peer_names"] == ["169.254.*"]
    assert all(p["address"] == "" for p in found["ports"])


def test_without_a_peer_the_plan_is_off_and_nothing_renders() -> None:
    off = plan({**DEFAULTS}, "mgmt-01", HOSTVARS, DEFAULTS)
    assert off["enabled"] is False
    with pytest.raises(ValueError, match="cx7_link_peer is empty"):
        netplan(off)


def test_static_netplan_sets_addresses_mtu_and_no_dhcp() -> None:
    text = netplan(plan(_mine(), "spark-a", HOSTVARS, DEFAULTS))
    assert yaml.safe_load(text) == {"network": {"version": 2, "ethernets": {
        "enp1s0f1np1": {"addresses": ["192.168.100.10/24"], "dhcp4": False, "dhcp6": False, "mtu": 9000, "optional": True},
        "enP2p1s0f1np1": {"addresses": ["192.168.101.10/24"], "dhcp4": False, "dhcp6": False, "mtu": 9000, "optional": True},
    }}}
    assert text.index("ethernets") < text.index("version")  # sorted keys: the same text on every run


def test_link_local_netplan_asks_for_ipv4_link_local_only() -> None:
    hostvars = _hostvars(cx7_link_addressing="link-local", cx7_link_mtu=4000)
    text = netplan(plan(_mine(cx7_link_addressing="link-local", cx7_link_mtu=4000), "spark-a", hostvars, DEFAULTS))
    port = yaml.safe_load(text)["network"]["ethernets"]["enp1s0f1np1"]
    assert port == {"link-local": ["ipv4"], "dhcp4": False, "dhcp6": False, "mtu": 4000, "optional": True}


def test_the_environment_names_the_ports_and_the_roce_devices() -> None:
    text = env_file(plan(_mine(), "spark-a", HOSTVARS, DEFAULTS), ["rocep1s0f1", "roceP2p1s0f1"])
    values = dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert values == {"NCCL_SOCKET_IFNAME": "enp1s0f1np1,enP2p1s0f1np1", "UCX_NET_DEVICES": "enp1s0f1np1,enP2p1s0f1np1",
                      "OMPI_MCA_btl_tcp_if_include": "enp1s0f1np1,enP2p1s0f1np1", "NCCL_IB_HCA": "rocep1s0f1,roceP2p1s0f1"}
    assert "NCCL_IB_HCA" not in env_file(plan(_mine(), "spark-a", HOSTVARS, DEFAULTS), [])


def test_the_ssh_trust_is_pinned_to_the_peer_s_link_addresses() -> None:
    link = plan(_mine(), "spark-a", HOSTVARS, DEFAULTS)
    keys = peer_keys(f"user-key {MPI_KEY}\nhost-key {HOST_KEY}\n")
    assert authorized_key(link, keys["user_pubkey"]) == (
        'from="192.168.100.11,192.168.101.11",no-agent-forwarding,no-port-forwarding,no-X11-forwarding '
        f"{MPI_KEY.split()[0]} {MPI_KEY.split()[1]} mpi@spark-b-cx7")
    assert known_hosts(link, keys["host_pubkey"]) == f"192.168.100.11,192.168.101.11 {' '.join(HOST_KEY.split()[:2])}\n"
    config = ssh_config(link, "~/.ssh/id_ed25519_cx7", "/etc/ssh/nova_cx7_known_hosts")
    assert "Match localuser mpi host 192.168.100.11,192.168.101.11\n" in config
    assert "    StrictHostKeyChecking yes\n" in config and "    UserKnownHostsFile /dev/null\n" in config


def test_missing_or_garbled_peer_keys_are_reported_not_written() -> None:
    assert peer_keys("user-key \nhost-key \n") == {"user_pubkey": "", "host_pubkey": ""}
    link = plan(_mine(), "spark-a", HOSTVARS, DEFAULTS)
    with pytest.raises(ValueError, match="spark-b's SSH host key is not an OpenSSH public key line"):
        known_hosts(link, "-----BEGIN OPENSSH PRIVATE KEY-----")
    with pytest.raises(ValueError, match="spark-b's MPI public key has a key that is not base64"):
        authorized_key(link, "ssh-ed25519 not*base64")


def test_drift_is_what_netplan_apply_would_change_on_ports_that_exist() -> None:
    link = plan(_mine(), "spark-a", HOSTVARS, DEFAULTS)
    converged = _ip(_port("enp1s0f1np1", "192.168.100.10/24"), _port("enP2p1s0f1np1", "192.168.101.10/24"))
    assert drift(converged, link) == []
    assert drift(_ip(_port("enp1s0f1np1", "192.168.100.10/24", mtu=1500)), link) == ["enp1s0f1np1 has MTU 1500, want 9000"]
    assert drift(_ip(_port("enp1s0f1np1")), link) == ["enp1s0f1np1 lacks 192.168.100.10/24"]
    assert drift("not json", link) == []


def test_ports_are_ready_with_carrier_and_their_address() -> None:
    link = plan(_mine(), "spark-a", HOSTVARS, DEFAULTS)
    assert ports_ready(_ip(_port("enp1s0f1np1", "192.168.100.10/24"), _port("enP2p1s0f1np1", "192.168.101.10/24")), link)
    assert not ports_ready(_ip(_port("enp1s0f1np1", "192.168.100.10/24"), _port("enP2p1s0f1np1", "192.168.101.10/24", up=False)), link)
    assert not ports_ready(_ip(_port("enp1s0f1np1", "192.168.100.10/24")), link)
    local = plan(_mine(cx7_link_addressing="link-local"), "spark-a", _hostvars(cx7_link_addressing="link-local"), DEFAULTS)
    assert ports_ready(_ip(_port("enp1s0f1np1", "169.254.3.4/16"), _port("enP2p1s0f1np1", "169.254.9.9/16")), local)
    assert not ports_ready(_ip(_port("enp1s0f1np1", "169.254.3.4/16"), _port("enP2p1s0f1np1")), local)


def test_link_local_targets_are_what_the_peer_s_ports_picked() -> None:
    local = plan(_mine(cx7_link_addressing="link-local"), "spark-a", _hostvars(cx7_link_addressing="link-local"), DEFAULTS)
    assert targets(local, _ip(_port("enp1s0f1np1", "169.254.7.7/16"))) == [["enp1s0f1np1", "169.254.7.7"], ["enP2p1s0f1np1", "-"]]
    assert targets(plan(_mine(), "spark-a", HOSTVARS, DEFAULTS)) == [["enp1s0f1np1", "192.168.100.11"], ["enP2p1s0f1np1", "192.168.101.11"]]


def test_verify_rows_pass_on_a_working_link() -> None:
    link = plan(_mine(), "spark-a", HOSTVARS, DEFAULTS)
    live = _ip(_port("enp1s0f1np1", "192.168.100.10/24"), _port("enP2p1s0f1np1", "192.168.101.10/24"))
    probe = "\n".join(f"{kind} {port} 0" for port in ("enp1s0f1np1", "enP2p1s0f1np1") for kind in ("ping", "pmtu", "ssh"))
    rows = checks(link, live, targets(link), probe)
    assert [r["name"] for r in rows[:5]] == ["enp1s0f1np1 link", "enp1s0f1np1 MTU", "enp1s0f1np1 ping spark-b", "enp1s0f1np1 path MTU",
                                             "enp1s0f1np1 SSH as mpi"]
    assert len(rows) == 10 and all(r["ok"] for r in rows), rows
    assert rows[3]["detail"] == "8972-byte pings with don't-fragment reach 192.168.100.11: 9000-byte packets pass end to end"


def test_verify_rows_say_what_is_wrong() -> None:
    link = plan(_mine(), "spark-a", HOSTVARS, DEFAULTS)
    live = _ip(_port("enp1s0f1np1", "192.168.100.10/24", mtu=1500), _port("enP2p1s0f1np1", "192.168.101.10/24", up=False))
    probe = "ping enp1s0f1np1 0\npmtu enp1s0f1np1 1\nssh enp1s0f1np1 255 mpi@192.168.100.11: Permission denied (publickey).\n"
    rows = {r["name"]: r for r in checks(link, live, targets(link), probe)}
    assert not rows["enp1s0f1np1 MTU"]["ok"] and "MTU 1500, want 9000" in rows["enp1s0f1np1 MTU"]["detail"]
    assert rows["enp1s0f1np1 ping spark-b"]["ok"] and not rows["enp1s0f1np1 path MTU"]["ok"]
    assert "Permission denied (publickey)" in rows["enp1s0f1np1 SSH as mpi"]["detail"]
    assert "without carrier: check the QSFP cable" in rows["enP2p1s0f1np1 link"]["detail"]
    assert not rows["enP2p1s0f1np1 ping spark-b"]["ok"] and "ping rc -1" in rows["enP2p1s0f1np1 ping spark-b"]["detail"]
    gone = {r["name"]: r for r in checks(link, _ip(), targets(link), "")}
    assert "enp1s0f1np1 does not exist" in gone["enp1s0f1np1 link"]["detail"]


def test_link_local_ports_without_a_peer_address_are_not_tried() -> None:
    local = plan(_mine(cx7_link_addressing="link-local"), "spark-a", _hostvars(cx7_link_addressing="link-local"), DEFAULTS)
    rows = {r["name"]: r for r in checks(local, _ip(), [["enp1s0f1np1", "-"], ["enP2p1s0f1np1", "-"]], "")}
    assert rows["enp1s0f1np1 ping spark-b"]["detail"].startswith("not tried: spark-b's enp1s0f1np1 has no 169.254.x.y address yet")


def test_no_peer_gives_one_skipped_row() -> None:
    rows = checks(plan({**DEFAULTS}, "mgmt-01", HOSTVARS, DEFAULTS), None, [], "")
    assert len(rows) == 1 and rows[0]["skipped_because"].startswith("cx7_link_peer is empty")
