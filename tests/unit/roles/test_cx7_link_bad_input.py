"""Bad input to nova.dgx.cx7_link fails before anything on a host changes (see conftest.py).

The role checks both ends of the cable, so these runs use an inventory of two Sparks in group dgx
that name each other (both unreachable, like conftest's single target). Extra vars apply to both.
"""

from __future__ import annotations

import sys

import pytest

TWO_SPARKS = """\
all:
  vars:
    ansible_host: 127.0.0.1
    ansible_port: 9
    ansible_user: ansible
    ansible_ssh_common_args: -o ConnectTimeout=3
  children:
    dgx:
      hosts:
        target:
          cx7_link_peer: spark-02
        spark-02:
          cx7_link_peer: target
"""


@pytest.fixture
def two_sparks(run_role, monkeypatch):
    """run_role, with the two-Spark inventory in place of the single target."""
    monkeypatch.setattr(sys.modules[type(run_role).__module__], "_INVENTORY", TWO_SPARKS)
    return run_role


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"cx7_link_peer": "spark-09"},
         "cx7_link_peer spark-09 is not in the inventory: name the other Spark by its inventory name (hosts in group dgx: spark-02)"),
        ({"cx7_link_mtu": 1279}, "cx7_link_mtu must be a whole number from 1280 to 9216, got int 1279"),
        ({"cx7_link_mtu": 9217}, "cx7_link_mtu must be a whole number from 1280 to 9216, got int 9217"),
        ({"cx7_link_interfaces": ["enp1s0f1np1abcde", "enP2p1s0f1np1"]},
         "cx7_link_interfaces[0] must be an interface name of 1 to 15 characters (the kernel's limit) from A-Z a-z 0-9 _ . -,"
         " got str 'enp1s0f1np1abcde'"),
        ({"cx7_link_addressing": "dhcp"}, "value of cx7_link_addressing must be one of: static, link-local, got: dhcp"),
        ({"cx7_link_addresses": {"enp1s0f1np1": "192.168.100.0/24"}}, "cx7_link_addresses[enp1s0f1np1] 192.168.100.0/24 is the network address"),
        ({"users_accounts": [{"name": "mpi"}]}, "cx7_link_mpi_user mpi has exclusive keys in users_accounts"),
    ],
)
def test_bad_input_fails_before_any_host_is_touched(two_sparks, variables: dict, expected: str) -> None:
    two_sparks.failed_before_any_host(two_sparks("nova.dgx.cx7_link", variables), expected)


def test_a_peer_that_does_not_name_this_host_back_is_refused(two_sparks, monkeypatch) -> None:
    monkeypatch.setattr(sys.modules[type(two_sparks).__module__], "_INVENTORY", TWO_SPARKS.replace("cx7_link_peer: target", "cx7_link_peer: ''"))
    two_sparks.failed_before_any_host(two_sparks("nova.dgx.cx7_link", {}), "cx7_link_peer: spark-02 names '' as its peer, not target")


def test_the_only_host_of_a_single_host_inventory_cannot_be_its_own_peer(run_role) -> None:
    run_role.failed_before_any_host(run_role("nova.dgx.cx7_link", {"cx7_link_peer": "target"}), "cx7_link_peer names target itself")


def test_valid_input_passes_preflight_and_reaches_the_host(two_sparks) -> None:
    two_sparks.reached_the_host(two_sparks("nova.dgx.cx7_link", {}), "Read the MPI account")
