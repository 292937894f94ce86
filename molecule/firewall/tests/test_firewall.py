"""Effective state after nova.dgx.firewall: the kernel's ruleset and what the network lets through."""

from __future__ import annotations

import json
import socket

import pytest


def _address(host) -> str:
    return host.interface("eth0").addresses[0]


def _table(host) -> dict:
    with host.sudo():
        data = json.loads(host.check_output("nft --json list table inet nova_filter"))
    return data["nftables"]


def _connects(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except OSError:
        return False


def test_input_policy_is_drop(host) -> None:
    chains = [o["chain"] for o in _table(host) if "chain" in o]
    assert [(c["name"], c["hook"], c["policy"]) for c in chains] == [("input", "input", "drop")]


def test_allowed_ports_connect_and_others_do_not(host) -> None:
    address = _address(host)
    assert host.socket("tcp://0.0.0.0:9090").is_listening  # the service runs: only the firewall stops it
    assert _connects(address, 22)
    assert _connects(address, 8080)
    assert not _connects(address, 9090)


@pytest.mark.parametrize(
    ("dropin", "statement"),
    [
        ("firewall-ssh", "ip saddr 172.16.0.0/12 tcp dport 22 accept"),
        ("firewall-ssh", "ip6 saddr fd00::/8 tcp dport 22 accept"),
        ("host-web", "ip saddr 172.16.0.0/12 tcp dport 8080 accept"),
        ("demo-role", "ip saddr 10.99.0.0/24 udp dport { 5353, 6000-6010 } accept"),
        ("demo-role", "ip6 saddr fd42:d6a::/64 udp dport { 5353, 6000-6010 } accept"),
    ],
)
def test_each_role_rule_is_live_and_tagged_with_its_dropin(host, dropin: str, statement: str) -> None:
    with host.sudo():
        ruleset = host.check_output("nft list table inet nova_filter")
    line = next((ln.strip() for ln in ruleset.splitlines() if ln.strip().startswith(statement)), "")
    assert line, ruleset
    assert f'comment "{dropin}: ' in line


def test_retired_host_rule_is_gone(host) -> None:
    assert not host.file("/etc/nftables.d/nova/host-retired.nft").exists
    with host.sudo():
        assert "7070" not in host.check_output("nft list ruleset")


def test_other_tools_tables_survive(host) -> None:
    with host.sudo():
        assert "table ip othertool" in host.check_output("nft list tables")


def test_a_bad_candidate_is_refused_and_the_live_ruleset_stays(host) -> None:
    with host.sudo():
        before = host.check_output("nft list table inet nova_filter")
        host.run_test("printf 'tcp dport 99999 accept\\n' > /tmp/bad.nft")
        check = host.run("/usr/local/sbin/nova-nft-check /tmp/bad.nft host-web")
        after = host.check_output("nft list table inet nova_filter")
        unchanged = host.file("/etc/nftables.d/nova/host-web.nft").content_string
    assert check.rc != 0
    assert before == after
    assert "8080" in unchanged


def test_service_reloads_the_same_ruleset_at_boot(host) -> None:
    assert host.service("nftables").is_enabled
    with host.sudo():
        before = host.check_output("nft list table inet nova_filter")
        host.run_test("systemctl reload nftables")
        assert host.check_output("nft list table inet nova_filter") == before
        assert "table ip othertool" in host.check_output("nft list tables")


def test_forwarding_is_on_and_persisted(host) -> None:
    assert host.file("/proc/sys/net/ipv4/ip_forward").content_string.strip() == "1"
    assert "net.ipv4.ip_forward=1" in host.file("/etc/sysctl.d/60-nova-forwarding.conf").content_string
