"""Bad input to nova.dgx.wireguard fails before anything on a host changes (see conftest.py)."""

from __future__ import annotations

import base64
import json
import os
import pathlib
import subprocess
import sys

import pytest

KEY = base64.b64encode(b"k" * 32).decode()
FLEET = {"wireguard_address": "10.99.0.11", "wireguard_addresses": ["10.99.0.11"], "wireguard_networks": ["10.99.0.0/24"],
         "wireguard_port": 51820, "wireguard_hub": True}
LAPTOP = {"name": "laptop", "public_key": KEY, "allowed_ips": ["10.99.0.200/32"]}


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({**FLEET, "wireguard_networks": ["10.99.0.0/24", "10.99.0.0/16"]}, "wireguard_networks[1] 10.99.0.0/16 overlaps 10.99.0.0/24"),
        ({**FLEET, "wireguard_networks": ["10.99.0.300/24"]}, "wireguard_networks[0] must be a network in CIDR form"),
        ({**FLEET, "wireguard_port": 0}, "wireguard_port must be a port number from 1 to 65535"),
        ({**FLEET, "wireguard_extra_peers": [dict(LAPTOP, endpoint="laptop:0")]}, "wireguard_extra_peers[0] (laptop): field 'endpoint' must be host:port"),
        ({**FLEET, "wireguard_extra_peers": [LAPTOP, dict(LAPTOP, name="tablet")]},
         "wireguard_extra_peers[1] (tablet): field 'public_key' repeats wireguard_extra_peers[0]"),
        ({"wireguard_extra_peers": []}, "target has no wireguard_address/wireguard_networks"),
    ],
)
def test_bad_input_fails_before_any_host_is_touched(run_role, variables: dict, expected: str) -> None:
    run_role.failed_before_any_host(run_role("nova.dgx.wireguard", variables), expected)


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({**FLEET, "wireguard_interface": "wireguard-overlay0"}, "wireguard_interface must be an interface name of 1 to 15 characters"),
        ({**FLEET, "wireguard_extra_peers": [{"public_key": KEY, "allowed_ips": ["10.99.0.200/32"]}]},
         "wireguard_extra_peers[0]: field 'name' is missing"),
    ],
)
def test_bad_names_fail_before_any_host_is_touched(run_role, variables: dict, expected: str) -> None:
    run_role.failed_before_any_host(run_role("nova.dgx.wireguard", variables), expected)


@pytest.mark.parametrize(
    ("variables", "secret"),
    [
        ({"wireguard_preshared_keys": False, "wireguard_extra_peers": [LAPTOP]}, False),
        ({"wireguard_preshared_keys": True, "wireguard_extra_peers": []}, True),
        # An extra peer's own preshared key makes the file secret even with fleet PSKs off.
        ({"wireguard_preshared_keys": False, "wireguard_extra_peers": [LAPTOP, dict(LAPTOP, name="t", preshared_key=KEY)]}, True),
    ],
)
def test_the_interface_file_is_written_without_diff_when_it_holds_a_psk(tmp_path, variables: dict, secret: bool) -> None:
    root = pathlib.Path(__file__).resolve().parents[3]
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    env = dict(os.environ, ANSIBLE_CONFIG=str(root / "ansible.cfg"), NOVA_DGX_JOURNAL_DIR=str(tmp_path / "journal"))
    done = subprocess.run(
        [str(pathlib.Path(sys.executable).parent / "ansible"), "localhost", "-i", "localhost,", "-c", "local", "-m", "ansible.builtin.debug",
         "-a", "msg=secret:{{ _wireguard_config_secret | bool }}", "-e", f"@{root / 'roles/wireguard/vars/main.yml'}",
         "-e", f"@{tmp_path / 'vars.json'}"],
        capture_output=True, text=True, check=False, cwd=tmp_path, env=env, timeout=120,
    )
    assert f"secret:{secret}" in done.stdout, done.stdout + done.stderr
