"""Listening sockets beyond loopback, as the audit sees them in `ss -Htuln`."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._sockets import exposed_listener


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
