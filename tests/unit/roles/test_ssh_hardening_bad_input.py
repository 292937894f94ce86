"""Bad input to nova.dgx.ssh_hardening fails before anything on a host changes (see conftest.py)."""

from __future__ import annotations

import pytest


CASES = [
    ({"ssh_hardening_ciphers": ["aes256-gcm@openssh.com", "aes512-gcm"]}, "ssh_hardening_ciphers[1] 'aes512-gcm' is not an OpenSSH cipher name"),
    ({"ssh_hardening_ciphers": ["3des-cbc"]}, "ssh_hardening_ciphers[0] '3des-cbc' is weak and not allowed"),
    ({"ssh_hardening_macs": ["hmac-sha1"]}, "ssh_hardening_macs[0] 'hmac-sha1' is weak"),
    ({"ssh_hardening_port": 70000}, "ssh_hardening_port must be a port number from 1 to 65535"),
    ({"ssh_hardening_allow_groups": []}, "ssh_hardening_allow_groups is empty"),
    ({"ssh_hardening_listen_addresses": ["10.0.0.0/8"]}, "ssh_hardening_listen_addresses[0] must be an IPv4 or IPv6 address"),
    ({"ssh_hardening_permit_root_login": "yes"}, "ssh_hardening_permit_root_login"),
    ({"ssh_hardening_port": 2222}, "ssh_hardening_port 2222 differs from the port Ansible connects to (9)"),
    ({"ansible_password": "hunter2-test", "ssh_hardening_port": 9}, "the connection uses a password"),
]


@pytest.mark.parametrize(("variables", "expected"), CASES)
def test_bad_input_fails_before_any_host_is_touched(role_batch, variables: dict, expected: str) -> None:
    output = role_batch("nova.dgx.ssh_hardening", CASES).failed_before_any_host(variables, expected)
    assert "hunter2-test" not in output


def test_valid_input_passes_preflight_and_reaches_the_host(run_role) -> None:
    run_role.reached_the_host(run_role("nova.dgx.ssh_hardening", {"ssh_hardening_port": 9}), "Read who Ansible logs in as")
