"""Bad input to nova.dgx.firewall fails before anything on a host changes (see conftest.py)."""

from __future__ import annotations

import pytest

GOOD = {"firewall_admin_networks": ["10.0.0.0/8"]}


CASES = [
    ({"firewall_admin_networks": ["office-lan"]},
     "firewall_admin_networks[0] must be an IPv4 or IPv6 network in CIDR form, such as 10.0.0.0/24 or fd00::/64, got str 'office-lan'"),
    ({"firewall_admin_networks": "10.0.0.0/8"}, "firewall_admin_networks must be a list"),
    ({"firewall_admin_networks": []}, "firewall_admin_networks is empty"),
    ({**GOOD, "firewall_ssh_port": 0}, "firewall_ssh_port must be a port number from 1 to 65535, got int 0"),
    ({**GOOD, "firewall_ssh_port": 65536}, "firewall_ssh_port must be a port number from 1 to 65535"),
    ({**GOOD, "firewall_rules": [{"name": "web", "ports": [80, 99999]}]}, "firewall_rules[0] (web): field 'ports'[1] must be a port"),
    ({**GOOD, "firewall_rules": [{"name": "web", "ports": [80], "sources": ["lan"]}]},
     "firewall_rules[0] (web): field 'sources'[0] must be an IPv4 or IPv6 network"),
    ({**GOOD, "firewall_log_prefix": 'nova "dropped'}, "firewall_log_prefix must be at most 64 letters, digits, spaces"),
]


@pytest.mark.parametrize(("variables", "expected"), CASES)
def test_bad_input_fails_before_any_host_is_touched(role_batch, variables: dict, expected: str) -> None:
    role_batch("nova.dgx.firewall", CASES).failed_before_any_host(variables, expected)


def test_a_bad_rule_from_another_role_is_refused(run_role) -> None:
    result = run_role("nova.dgx.firewall", {"firewall_rule": {"name": "wg", "proto": "udp", "ports": [51820], "sources": ["10.99.0.0/33"]}}, "rule")
    run_role.failed_before_any_host(result, "firewall_rule (wg): field 'sources'[0] must be an IPv4 or IPv6 network")


def test_valid_input_passes_preflight_and_reaches_the_host(run_role) -> None:
    run_role.reached_the_host(run_role("nova.dgx.firewall", GOOD), "Read the address Ansible connects from")


def test_a_drop_in_file_name_that_leaves_the_directory_is_refused(run_role) -> None:
    result = run_role("nova.dgx.firewall", {"firewall_rule": {"name": "wg", "proto": "udp", "ports": [51820]},
                                            "firewall_rule_file": "../../etc/evil"}, "rule")
    run_role.failed_before_any_host(result, "firewall_rule_file must be a file name of lower-case letters, digits, _ and - (no '/' or '..')")
