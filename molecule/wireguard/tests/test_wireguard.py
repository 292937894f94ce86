"""The overlay after gpu-02 joined and a run limited to dgx-spark-01: what wg and ping report."""

from __future__ import annotations

import json
import os

import pytest
import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("wireguard")
ADDRESSES = {"mgmt-01": "10.99.0.12", "dgx-spark-01": "10.99.0.11", "db-01": "10.99.0.13", "gpu-02": "10.99.0.14"}


def _name(host) -> str:
    return host.backend.get_hostname()


@pytest.mark.parametrize("peer", sorted(ADDRESSES))
def test_every_pair_pings_over_the_overlay(host, peer: str) -> None:
    if peer == _name(host):
        pytest.skip("self")
    # Six tries two seconds apart: a spoke-to-spoke path through the hub may still be shaking
    # hands on a loaded machine (CI runs two scenarios at once), and one lost echo is not a fault.
    tries = f"for try in 1 2 3 4 5 6; do ping -c 1 -W 2 {ADDRESSES[peer]} && exit 0; sleep 2; done; exit 1"
    assert host.run(tries).rc == 0, f"{_name(host)} cannot reach {peer} over the overlay"


def test_peers_and_recent_handshakes(host) -> None:
    with host.sudo():
        lines = host.check_output("wg show wg0 dump").splitlines()[1:]
        now = int(host.check_output("date +%s"))
    peers = [line.split("\t") for line in lines]
    expected = 3 if _name(host) == "mgmt-01" else 1  # hub and spoke: the hub has every spoke
    assert len(peers) == expected, lines
    for peer in peers:
        assert peer[1] != "(none)", "a preshared key is configured"
        # 0 means never; a handshake in the same second as `date` gives an age of 0, not a fault.
        assert peer[4] != "0", f"no handshake ever: {peer}"
        assert 0 <= now - int(peer[4]) < 180, f"stale handshake: {peer}"


def test_private_key_is_private_and_not_in_the_config(host) -> None:
    key = host.file("/etc/wireguard/wg0.key")
    assert key.user == "root" and key.mode == 0o600
    with host.sudo():
        config = host.file("/etc/wireguard/wg0.conf").content_string
        private = key.content_string.strip()
    assert private not in config and "PrivateKey" not in config
    assert host.file("/etc/wireguard/wg0.conf").mode == 0o600


def test_userspace_implementation_runs(host) -> None:
    assert host.process.filter(comm="wireguard-go"), "no kernel module here: wireguard-go must carry wg0"


def test_hub_keeps_the_public_key_record(host) -> None:
    if _name(host) != "mgmt-01":
        pytest.skip("the record lives on the hub")
    record = host.file("/etc/wireguard/wg0.registry.json").content_string
    assert all(f'"{name}"' in record for name in ADDRESSES)


def _preshared_keys(host) -> dict[str, str]:
    """This member's peers' preshared keys, by the peer's public key."""
    with host.sudo():
        return {line.split("\t")[0]: line.split("\t")[1] for line in host.check_output("wg show wg0 dump").splitlines()[1:]}


def test_both_ends_of_a_pair_hold_the_same_preshared_key(host) -> None:
    # The key of each pair is derived on the controller from the master in the secrets server,
    # so the two ends agree without either storing the other's copy.
    if _name(host) == "mgmt-01":
        pytest.skip("checked from the spokes' side")
    hub = host.get_host("ansible://mgmt-01", ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])
    with host.sudo():
        mine = host.check_output("wg show wg0 public-key").strip()
    hub_keys = _preshared_keys(hub)
    spoke_keys = _preshared_keys(host)
    assert len(spoke_keys) == 1, spoke_keys
    (psk,) = spoke_keys.values()
    assert psk != "(none)" and hub_keys[mine] == psk
    assert len(set(hub_keys.values())) == len(hub_keys), "each pair has its own key"


def test_hub_records_that_the_keys_come_from_the_secrets_server(host) -> None:
    if _name(host) != "mgmt-01":
        pytest.skip("the record lives on the hub")
    record = json.loads(host.file("/etc/wireguard/wg0.psk.json").content_string)
    assert record == {"source": "vault", "path": "secret/wireguard/psk-master"}
