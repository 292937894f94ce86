"""Firewall rules as data: what is refused, with which message, and the nft statements they become."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.filter.firewall import FilterModule
from ansible_collections.nova.dgx.plugins.plugin_utils._nft import address_in, nft_statements, rule_errors, rules_errors


def test_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {
        "firewall_rule_errors", "firewall_rules_errors", "nft_statements", "address_in", "exposed_listener", "nft_open_ports", "unexpected_listeners",
    }


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("ssh", "r must be a mapping"),
        ({"ports": [22]}, "r: field 'name' must match"),
        ({"name": "Web!", "ports": [22]}, "field 'name' must match"),
        ({"name": "web", "ports": [70000]}, "r (web): field 'ports'[0] must be a port from 1 to 65535"),
        ({"name": "web", "ports": 80}, "r (web): field 'ports' must be a list"),
        ({"name": "web", "ports": [80], "proto": "icmp"}, "field 'proto' must be one of tcp, udp"),
        ({"name": "web", "ports": [80], "sources": ["office"]}, "field 'sources'[0] must be an IPv4 or IPv6 network"),
        ({"name": "web"}, "give 'ports' or 'interfaces'"),
        ({"name": "web", "ports": [80], "interfaces": ["a-very-long-interface-name"]}, "field 'interfaces'"),
        ({"name": "web", "ports": [80], "comment": 'say "hi"'}, "field 'comment'"),
        ({"name": "web", "ports": [80], "colour": "red"}, "unknown field 'colour'"),
        ({"name": "web", "ports": [80], "state": "gone"}, "field 'state' must be one of present, absent"),
    ],
)
def test_bad_rules_are_named(rule: object, message: str) -> None:
    assert any(message in e for e in rule_errors(rule, "r")), rule_errors(rule, "r")


def test_a_good_rule_has_no_errors() -> None:
    rule = {"name": "k3s", "proto": "tcp", "ports": [6443, "10250-10252"], "sources": ["10.99.0.0/24", "fd42::/64"], "interfaces": ["cni*"]}
    assert rule_errors(rule, "r") == []


def test_repeated_names_are_refused() -> None:
    errors = rules_errors([{"name": "a", "ports": [1]}, {"name": "a", "ports": [2]}], "firewall_rules")
    assert errors == ["firewall_rules: rule name 'a' is used more than once; names must be unique"]
    assert rules_errors({"name": "a"}, "firewall_rules") == ["firewall_rules must be a list of rules, got dict"]


def test_repeated_names_of_mixed_types_are_messages_not_a_crash() -> None:
    rules = [{"name": n, "ports": [1]} for n in (1, 1, None, None, "a", "a")]
    errors = rules_errors(rules, "firewall_rules")
    assert errors[-1] == "firewall_rules: rule name 'a' is used more than once; names must be unique"
    assert sum("field 'name' must match" in e for e in errors) == 4


def test_statements_split_families_and_merge_networks() -> None:
    rule = {"name": "ntp", "proto": "udp", "ports": [123], "sources": ["10.0.0.0/25", "10.0.0.128/25", "fd42::/64"], "comment": "time"}
    assert nft_statements(rule, "timesync") == [
        'ip saddr { 10.0.0.0/24 } udp dport { 123 } accept comment "timesync: time"',
        'ip6 saddr { fd42::/64 } udp dport { 123 } accept comment "timesync: time"',
    ]


def test_statements_without_sources_accept_from_anywhere() -> None:
    rule = {"name": "cni", "interfaces": ["cni0", "flannel*"], "ports": ["8000-8100"]}
    assert nft_statements(rule) == ['iifname { "cni0", "flannel*" } tcp dport { 8000-8100 } accept comment "cni: cni"']


@pytest.mark.parametrize(("address", "expected"), [("10.1.2.3", True), ("192.0.2.1", False), ("fd42::9", True), ("not-an-ip", False)])
def test_address_in(address: str, expected: bool) -> None:
    assert address_in(address, ["10.0.0.0/8", "fd42::/64"]) is expected
