"""The control account's settings and the authorized_keys lines for the control nodes (plugin_utils/_control_keys.py)."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._control_keys import control_addresses, control_authorized_keys, control_errors

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEufAr3CFlZnhNApZIW0GNwZv/huboaljOK4gi/Kp6hy nova@mgmt-01"


def _read(host: str, text: str) -> dict:
    return {"item": host, "content": base64.b64encode(text.encode()).decode()}


def test_each_read_key_is_authorised_only_from_its_nodes_addresses() -> None:
    lines = control_authorized_keys([_read("mgmt-01", KEY + "\n"), {"item": "mgmt-02", "failed": True, "msg": "file not found"}],
                                    {"mgmt-01": ["172.31.240.12", "10.99.0.2"], "mgmt-02": ["172.31.240.14"]})
    assert lines == [f'from="172.31.240.12,10.99.0.2",no-agent-forwarding,no-port-forwarding,no-X11-forwarding {KEY}']


def test_a_key_file_that_is_not_a_key_is_an_error_naming_the_node() -> None:
    with pytest.raises(ValueError, match="control node mgmt-01's public key is not one"):
        control_authorized_keys([_read("mgmt-01", "command=\"sh\" " + KEY)], {"mgmt-01": ["10.99.0.2"]})


@pytest.mark.parametrize("address", ['10.0.0.1" ssh-rsa', "a,b", "", "host name"])
def test_an_address_that_could_widen_from_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="no usable address"):
        control_authorized_keys([_read("mgmt-01", KEY)], {"mgmt-01": [address] if address else []})


def test_nothing_read_gives_no_lines() -> None:
    assert control_authorized_keys([], {}) == []


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ((["mgmt-01"], "nova", "/var/lib/nova", ["ssh-users"], ["mgmt-01"], []), None),
        (([], "root", "/", [], [], []), None),  # no control nodes: the other settings do not matter
        (("mgmt-01", "nova", "/var/lib/nova", [], ["mgmt-01"], []), "users_control_hosts must be a list"),
        ((["mgmt-09"], "nova", "/var/lib/nova", [], ["mgmt-01"], []), "users_control_hosts names mgmt-09, not in the inventory"),
        ((["mgmt-01"], "Nova Admin", "/var/lib/nova", [], ["mgmt-01"], []), "users_control_account must match"),
        ((["mgmt-01"], "nova", "/var/lib/nova", [], ["mgmt-01"], [{"name": "nova"}]), "is also in users_accounts"),
        ((["mgmt-01"], "nova", "/opt/", [], ["mgmt-01"], []), "users_control_home must be a directory of its own"),
        ((["mgmt-01"], "nova", "/var/lib/nova", "ssh-users", ["mgmt-01"], []), "users_control_groups must be a list"),
    ],
)
def test_settings(arguments: tuple, expected: str | None) -> None:
    errors = control_errors(*arguments)
    if expected is None:
        assert errors == []
    else:
        assert any(expected in error for error in errors), errors


def test_a_control_node_connects_from_its_inventory_address_and_its_overlay_address() -> None:
    hostvars = {"mgmt-01": {"ansible_host": "172.31.240.12", "wireguard_address": "10.99.0.12"},
                "mgmt-02": {"wireguard_address": ""},
                "mgmt-03": {"ansible_host": "10.99.0.13", "wireguard_address": "10.99.0.13"}}
    assert control_addresses(["mgmt-01", "mgmt-02", "mgmt-03"], hostvars) == {
        "mgmt-01": ["172.31.240.12", "10.99.0.12"],  # both, inventory address first
        "mgmt-02": ["mgmt-02"],  # no ansible_host: its name, as Ansible connects to it; no blank overlay address
        "mgmt-03": ["10.99.0.13"],  # one address, once
    }
    assert control_addresses([], hostvars) == {}
