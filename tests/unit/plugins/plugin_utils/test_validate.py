"""Every kind of role variable check: what passes, what fails, and that the message names the variable."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._validate import invalid


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("port", 22), ("port", "51820"), ("port", 65535),
        ("port or range", "8000-8100"), ("port or range", 443),
        ("cidr", "10.0.0.0/8"), ("cidr", "fd42:d6a::/64"), ("cidr", "192.0.2.7"),
        ("address", "10.99.0.1"), ("address", "fd42::1"),
        ("host", "mgmt-01"), ("host", "ntp.example.org"), ("host", "10.0.0.1"), ("host", "fd42::1"),
        ("string", "x"), ("bool", False), ("number", 0.5), ("number", 3),
        ("one of no|prohibit-password", "no"), ("int 0-15", 10),
        ("list of cidr", ["10.0.0.0/8", "fd00::/8"]), ("list of host", []),
    ],
)
def test_valid_values_pass(kind: str, value: object) -> None:
    assert invalid(value, "var", kind) == []


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("port", 0, "var must be a port number from 1 to 65535, got int 0"),
        ("port", 70000, "var must be a port number from 1 to 65535, got int 70000"),
        ("port", True, "got bool True"),
        ("port", "ssh", "got str 'ssh'"),
        ("port or range", "9000-8000", "var must be a range low-high"),
        ("port or range", "80-90-100", "must be a port from 1 to 65535 or a range"),
        ("cidr", "office", "var must be an IPv4 or IPv6 network in CIDR form"),
        ("cidr", "10.0.0.300/24", "CIDR form"),
        ("cidr", "10.0.0.0/33", "CIDR form"),
        ("address", "10.0.0.0/24", "without a prefix length"),
        ("host", 123, "var must be a host name or an IP address (a string), got int 123"),
        ("host", "bad host", "must be a host name"),
        ("host", "-lead.example", "must be a host name"),
        ("string", "", "must be a non-empty string"),
        ("bool", "yes", "must be true or false, got str 'yes'"),
        ("number", "1", "must be a number"),
        ("one of no|prohibit-password", "yes", "must be one of no, prohibit-password, got str 'yes'"),
        ("int 0-15", 16, "must be a whole number from 0 to 15"),
    ],
)
def test_invalid_values_name_the_variable(kind: str, value: object, message: str) -> None:
    errors = invalid(value, "var", kind)
    assert len(errors) == 1
    assert message in errors[0]


def test_lists_name_every_bad_index() -> None:
    errors = invalid(["pool.ntp.org", 5, "ok.example", None], "timesync_servers", "list of host")
    assert errors == [
        "timesync_servers[1] must be a host name or an IP address (a string), got int 5",
        "timesync_servers[3] must be a host name or an IP address (a string), got null None",
    ]


def test_a_scalar_where_a_list_belongs_says_how_to_write_it() -> None:
    assert invalid("10.0.0.0/8", "firewall_admin_networks", "list of cidr") == [
        "firewall_admin_networks must be a list, got str '10.0.0.0/8'; write it as a YAML list"
    ]


def test_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        invalid(1, "var", "colour")


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("hostname", "dgx-spark-01"), ("hostname", "ntp.example.org"), ("host", "ntp.example.org."),
        ("absolute path", "/usr/bin/zsh"), ("sudoers drop-in", "/etc/sudoers.d/90-nova-users"),
        ("account name", "ml_team-2"), ("interface", "wg0"), ("interface", "wg.over_lay+1="),
        ("wireguard key", "a" * 43 + "="), ("sha256", "0" * 64), ("sha256", "sha256:" + "f" * 64),
        ("endpoint", "vpn.example.org:51820"), ("endpoint", "[fd00::1]:51820"), ("endpoint", "192.0.2.1:1"),
        ("network", "10.99.0.0/24"), ("prefix", "10.99.0.200/32"), ("variable name", "_x1"),
    ],
)
def test_more_valid_values_pass(kind: str, value: object) -> None:
    assert invalid(value, "var", kind) == []


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("hostname", "dgx spark", "var must be a host name"),
        ("hostname", "dgx-01\n", "var must be a host name"),
        ("hostname", "10.0.0.1 ", "var must be a host name"),
        ("host", "ntp.example.org\n", "must be a host name"),
        ("absolute path", "bash", "var must be an absolute path such as /bin/bash, got str 'bash'"),
        ("sudoers drop-in", "/etc/sudoers.d/nova.conf", "without '.'"),
        ("sudoers drop-in", "/etc/nova-sudoers", "directly in /etc/sudoers.d"),
        ("account name", "ml team", "must match"),
        ("interface", "wireguard-overlay0", "1 to 15 characters"),
        ("interface", "wg 0", "1 to 15 characters"),
        ("wireguard key", "a" * 44, "44 characters of base64"),
        ("wireguard key", "short=", "44 characters of base64"),
        ("sha256", "abc", "64 lowercase hex digits"),
        ("endpoint", "fd00::1:51820", "write an IPv6 address in brackets, such as [fd00::1]:51820"),
        ("endpoint", "[vpn.example.org]:51820", "must be host:port"),
        ("endpoint", "bad host:51820", "must be host:port"),
        ("network", "10.99.0.1/24", "without host bits (here 10.99.0.0/24)"),
        ("prefix", "10.99.0.1", "with a prefix length"),
        ("variable name", "1x", "valid variable name"),
    ],
)
def test_more_invalid_values_name_the_variable(kind: str, value: object, message: str) -> None:
    errors = invalid(value, "var", kind)
    assert len(errors) == 1 and message in errors[0], errors


def test_a_huge_value_is_shortened_in_the_message() -> None:
    errors = invalid("x" * 100_000, "var", "hostname")
    assert len(errors) == 1 and len(errors[0]) < 300 and "(100002 characters)" in errors[0]


def test_a_string_where_a_list_belongs_is_one_error_not_one_per_character() -> None:
    assert len(invalid("not a list of hosts", "timesync_servers", "list of host")) == 1
