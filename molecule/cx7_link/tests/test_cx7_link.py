"""Two Sparks over veth pairs named as their ConnectX-7 ports: what the hosts report after the role."""

from __future__ import annotations

import os

import pytest
import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("dgx")
PORTS = ["enp1s0f1np1", "enP2p1s0f1np1"]
# The role's derived addresses: host .10 for the first of the pair by name, .11 for the second.
ADDRESSES = {
    "cx7-spark-01": {"enp1s0f1np1": "192.168.100.10", "enP2p1s0f1np1": "192.168.101.10"},
    "cx7-spark-02": {"enp1s0f1np1": "192.168.100.11", "enP2p1s0f1np1": "192.168.101.11"},
}


def _name(host) -> str:
    return host.backend.get_hostname()


def _peer(host) -> str:
    return "cx7-spark-02" if _name(host) == "cx7-spark-01" else "cx7-spark-01"


def test_netplan_file_is_root_only_and_names_both_ports(host) -> None:
    netplan = host.file("/etc/netplan/40-cx7.yaml")
    assert (netplan.user, netplan.mode) == ("root", 0o600)
    with host.sudo():
        text = netplan.content_string
    assert all(port in text for port in PORTS) and "mtu: 9000" in text


@pytest.mark.parametrize("port", PORTS)
def test_port_is_up_with_its_address_and_mtu(host, port: str) -> None:
    link = host.run(f"ip -o link show dev {port}").stdout
    assert "mtu 9000" in link and "state UP" in link, link
    assert f"inet {ADDRESSES[_name(host)][port]}/24" in host.run(f"ip -o -4 addr show dev {port}").stdout


@pytest.mark.parametrize("port", PORTS)
def test_jumbo_frames_pass_unfragmented_and_one_byte_more_does_not(host, port: str) -> None:
    peer = ADDRESSES[_peer(host)][port]
    assert host.run(f"ping -M do -s 8972 -c 1 -W 2 -I {port} {peer}").rc == 0
    too_big = host.run(f"ping -M do -s 8973 -c 1 -W 2 -I {port} {peer}")
    assert too_big.rc != 0 and "message too long" in (too_big.stdout + too_big.stderr).lower(), too_big.stderr


@pytest.mark.parametrize("port", PORTS)
def test_mpi_logs_in_to_the_peer_over_each_port_with_the_pinned_host_key(host, port: str) -> None:
    peer = ADDRESSES[_peer(host)][port]
    login = host.run(f"runuser -u mpi -- ssh -o BatchMode=yes -o StrictHostKeyChecking=yes {peer} hostname")
    assert login.rc == 0 and login.stdout.strip() == _peer(host), login.stderr


def test_the_peer_key_works_only_from_the_peer_cx7_addresses(host) -> None:
    # Same key and account, but to the peer's lab-network address: its authorized_keys says from= the
    # ConnectX-7 addresses, so sshd refuses the key (the pinned known_hosts does not list that address either).
    peer_lab = host.run(f"getent hosts {_peer(host)}").stdout.split()[0]
    login = host.run(
        f"runuser -u mpi -- ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
        f" -i ~mpi/.ssh/id_ed25519_cx7 {peer_lab} true"
    )
    assert login.rc != 0 and "permission denied" in login.stderr.lower(), login.stderr


def test_each_node_has_its_own_private_key(host) -> None:
    key = host.file("/home/mpi/.ssh/id_ed25519_cx7")
    assert (key.user, key.mode) == ("mpi", 0o600)
    peer = host.get_host(f"ansible://{_peer(host)}", ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])
    with host.sudo():
        mine = key.content_string
    with peer.sudo():
        theirs = peer.file("/home/mpi/.ssh/id_ed25519_cx7").content_string
        authorised = peer.file("/home/mpi/.ssh/authorized_keys").content_string
    assert mine != theirs
    public = host.file("/home/mpi/.ssh/id_ed25519_cx7.pub").content_string.split()[1]
    line = next(line for line in authorised.splitlines() if public in line)
    addresses = ",".join(ADDRESSES[_name(host)][port] for port in PORTS)
    assert line.startswith(f'from="{addresses}"'), line
    # The account's own key from before the role is still there, untouched.
    assert host.file("/home/mpi/.ssh/id_ed25519").exists


def test_nccl_environment_names_the_ports(host) -> None:
    env = dict(line.split("=", 1) for line in host.file("/etc/nova-dgx/cx7.env").content_string.splitlines() if "=" in line and not line.startswith("#"))
    assert env["NCCL_SOCKET_IFNAME"] == ",".join(PORTS)
    assert env["OMPI_MCA_btl_tcp_if_include"] == ",".join(PORTS)
    assert env["UCX_NET_DEVICES"] == ",".join(PORTS)
