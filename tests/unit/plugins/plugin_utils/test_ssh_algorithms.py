"""Requested SSH algorithms: strong names pass, weak and unknown ones are named with the variable."""

from __future__ import annotations

from ansible_collections.nova.dgx.plugins.filter.ssh import FilterModule
from ansible_collections.nova.dgx.plugins.plugin_utils._ssh_algorithms import algorithm_errors

STRONG = {"cipher": ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com"], "mac": ["hmac-sha2-512-etm@openssh.com"]}
WEAK = {"cipher": ["3des-cbc"], "mac": ["hmac-md5"]}
VARIABLES = {"cipher": "ssh_hardening_ciphers", "mac": "ssh_hardening_macs"}


def test_filter_is_registered() -> None:
    assert FilterModule().filters()["ssh_algorithm_errors"] is algorithm_errors


def test_strong_names_pass() -> None:
    assert algorithm_errors({"cipher": ["aes256-gcm@openssh.com"], "mac": []}, STRONG, WEAK, VARIABLES) == []


def test_weak_and_unknown_names_are_refused_by_position() -> None:
    errors = algorithm_errors({"cipher": ["aes256-gcm@openssh.com", "3des-cbc", "aes512-gcm"], "mac": ["hmac-md5"]}, STRONG, WEAK, VARIABLES)
    assert errors == [
        "ssh_hardening_ciphers[1] '3des-cbc' is weak and not allowed; choose from chacha20-poly1305@openssh.com, aes256-gcm@openssh.com",
        "ssh_hardening_ciphers[2] 'aes512-gcm' is not an OpenSSH cipher name; choose from chacha20-poly1305@openssh.com, aes256-gcm@openssh.com",
        "ssh_hardening_macs[0] 'hmac-md5' is weak and not allowed; choose from hmac-sha2-512-etm@openssh.com",
    ]


def test_a_non_list_is_left_to_the_type_check() -> None:
    assert algorithm_errors({"cipher": "aes256-gcm@openssh.com"}, STRONG, WEAK, VARIABLES) == []
