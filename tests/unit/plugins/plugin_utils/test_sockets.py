"""Listening sockets beyond loopback, as the audit sees them in `ss -Htuln`."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._sockets import exposed_listener, open_ports, unexpected_listeners


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:*", "tcp/22"),
        ("tcp LISTEN 0 128 [::]:22 [::]:*", "tcp/22"),
        ("udp UNCONN 0 0 *:123 *:*", "udp/123"),
        ("udp UNCONN 0 0 0.0.0.0%eth0:68 0.0.0.0:*", "udp/68"),
        ("udp UNCONN 0 0 [fe80::1%eth0]:546 [::]:*", "udp/546"),
        ("tcp LISTEN 0 128 172.31.240.11:9100 0.0.0.0:*", "tcp/9100"),
        ("udp UNCONN 0 0 127.0.0.1:323 0.0.0.0:*", ""),
        ("udp UNCONN 0 0 [::1]:323 [::]:*", ""),
        ("tcp LISTEN 0 4096 127.0.0.11:40123 0.0.0.0:*", ""),
        ("u_str LISTEN 0 0 /run/x 1 * 0", ""),
        ("tcp", ""),
    ],
)
def test_exposed_listener(line: str, expected: str) -> None:
    assert exposed_listener(line.split()) == expected


# What `nft --json list chain inet nova_filter input` prints (shape as nftables 1.0 writes it).
NFT = {"nftables": [
    {"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
    {"chain": {"family": "inet", "table": "nova_filter", "name": "input", "hook": "input", "policy": "drop"}},
    {"rule": {"chain": "input", "comment": "ssh: admin networks", "expr": [
        {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}},
                   "right": {"set": [{"prefix": {"addr": "10.0.0.0", "len": 8}}]}}},
        {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 22}},
        {"accept": None}]}},
    {"rule": {"chain": "input", "comment": "web", "expr": [
        {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                   "right": {"set": [8080, {"range": [9000, 9010]}]}}},
        {"accept": None}]}},
    {"rule": {"chain": "input", "comment": "timesync", "expr": [
        {"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": {"range": [123, 124]}}},
        {"counter": {"packets": 0, "bytes": 0}}, {"accept": None}]}},
    {"rule": {"chain": "input", "comment": "dropped on purpose", "expr": [
        {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 2375}}, {"drop": None}]}},
    {"rule": {"chain": "input", "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "lo"}}, {"accept": None}]}},
]}


def test_open_ports_lists_every_accepted_port_and_range() -> None:
    assert open_ports(NFT) == ["tcp/22", "tcp/8080", "tcp/9000-9010", "udp/123-124"]
    assert open_ports({}) == [] and open_ports("not json") == [] and open_ports({"nftables": "x"}) == []


def test_listeners_beyond_the_opened_ports_are_unexpected() -> None:
    allowed = [*open_ports(NFT), "tcp/9100"]
    exposed = ["tcp/22", "tcp/9005", "udp/124", "tcp/9100", "tcp/2375", "udp/22", "tcp/9011", ""]
    assert unexpected_listeners(exposed, allowed) == ["tcp/2375", "tcp/9011", "udp/22"]
