"""nova.dgx.fleet through Ansible itself: ansible-inventory and ansible-doc."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]
BIN = pathlib.Path(sys.executable).parent
GOOD = """\
plugin: nova.dgx.fleet
wireguard: {cidr: [10.99.0.0/24, "fd00:99::/64"], hub: a}
hosts:
  - {name: a, address: 192.0.2.1, architecture: aarch64, roles: [dgx, wireguard]}
  - {name: b, address: 192.0.2.2, architecture: x86_64, roles: [postgres, wireguard]}
keyed_groups:
  - key: fleet_architecture
    prefix: arch
"""


def _inventory(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), **(env or {}))
    return subprocess.run([str(BIN / "ansible-inventory"), *args], capture_output=True, text=True, check=False, env=full_env, cwd=ROOT)


def _groups(listing: dict) -> dict[str, set[str]]:
    return {name: set(body.get("hosts", [])) for name, body in listing.items() if name != "_meta"}


def test_lab_inventory(tmp_path: pathlib.Path) -> None:
    result = _inventory("-i", "inventories/lab", "--list")
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    groups = _groups(listing)
    assert groups["dgx"] == groups["gpu"] == groups["k3s_server"] == {"dgx-spark-01"}
    assert groups["monitoring"] == groups["vault"] == {"mgmt-01"}
    assert groups["postgres"] == groups["mongodb"] == {"db-01"}
    assert groups["wireguard"] == groups["site_lab"] == {"dgx-spark-01", "mgmt-01", "db-01"}
    hostvars = listing["_meta"]["hostvars"]
    assert hostvars["mgmt-01"]["wireguard_hub"] is True and hostvars["db-01"]["wireguard_hub"] is False
    assert hostvars["dgx-spark-01"]["lab_docker_network"] == "nova-lab"  # site vars reach hosts
    assert len({v["wireguard_address"] for v in hostvars.values()}) == 3


def test_constructed_options_and_dual_stack(tmp_path: pathlib.Path) -> None:
    (tmp_path / "t.fleet.yml").write_text(GOOD)
    result = _inventory("-i", str(tmp_path / "t.fleet.yml"), "--list")
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    assert _groups(listing)["arch_aarch64"] == {"a"}
    assert [len(v["wireguard_addresses"]) for v in listing["_meta"]["hostvars"].values()] == [2, 2]


def test_bad_file_fails_naming_file_host_and_field_and_adds_nothing(tmp_path: pathlib.Path) -> None:
    (tmp_path / "bad.fleet.yml").write_text(GOOD.replace("roles: [postgres, wireguard]", "roles: [postgress, wireguard]"))
    result = _inventory("-i", str(tmp_path / "bad.fleet.yml"), "--list")
    assert result.returncode != 0
    assert "bad.fleet.yml: host b: field 'roles' has unknown role 'postgress'" in result.stderr
    assert "nothing was added" in result.stderr
    assert '"a"' not in result.stdout  # no partial inventory


def test_cache_is_used_and_invalidated_by_a_changed_file(tmp_path: pathlib.Path) -> None:
    source = tmp_path / "c.fleet.yml"
    source.write_text(GOOD + "cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: " + str(tmp_path / "cache") + "\n")
    first = _inventory("-i", str(source), "--list")
    assert first.returncode == 0, first.stderr
    cached = list((tmp_path / "cache").iterdir())
    assert len(cached) == 1 and "wireguard_addresses" in cached[0].read_text()
    source.write_text(source.read_text().replace("name: b, address: 192.0.2.2", "name: b, address: 192.0.2.3"))
    second = _inventory("-i", str(source), "--list")
    assert json.loads(second.stdout)["_meta"]["hostvars"]["b"]["ansible_host"] == "192.0.2.3"


def test_ansible_doc_renders_with_examples() -> None:
    result = subprocess.run([str(BIN / "ansible-doc"), "-t", "inventory", "nova.dgx.fleet"], capture_output=True, text=True, check=False,
                            env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "wireguard_address" in result.stdout and "EXAMPLES" in result.stdout and "keyed_groups" in result.stdout


def _fails(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode != 0, result.stdout
    assert result.stderr.count(message) == 1, result.stderr  # each problem printed once
    assert "Completely failed to parse inventory source" in result.stderr
    assert "inventory.ini" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "e.fleet.yml: is empty (or only comments)"),
        ("# hosts come later\n", "e.fleet.yml: is empty (or only comments)"),
        ("- plugin: nova.dgx.fleet\n", "e.fleet.yml: the top level is a list; it must be a mapping"),
        ("plugin: nova.dgx.fleet\nhosts: [{name: a, address: 192.0.2.1, architecture: x86_64, roles: [[dgx]]}]\n",
         "e.fleet.yml: host a: field 'roles' has unknown role ['dgx']"),
    ],
)
def test_a_file_without_hosts_or_of_the_wrong_shape_fails_with_one_message(tmp_path: pathlib.Path, text: str, message: str) -> None:
    (tmp_path / "e.fleet.yml").write_text(text)
    _fails(_inventory("-i", str(tmp_path / "e.fleet.yml"), "--list"), message)


def test_an_alias_bomb_is_refused_at_once(tmp_path: pathlib.Path) -> None:
    lines = ["plugin: nova.dgx.fleet", "x0: &a0 [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    lines.append("hosts: [{name: a, address: 192.0.2.1, architecture: x86_64, vars: {bomb: *a11}}]")
    (tmp_path / "b.fleet.yml").write_text("\n".join(lines) + "\n")
    started = time.monotonic()
    _fails(_inventory("-i", str(tmp_path / "b.fleet.yml"), "--list"), "b.fleet.yml: line 3: YAML alias *a0 (and 99 more)")
    assert time.monotonic() - started < 30


def test_a_host_or_overlay_address_in_two_fleet_files_is_an_error(tmp_path: pathlib.Path) -> None:
    (tmp_path / "a.fleet.yml").write_text(GOOD.replace("hub: a}", "hub: a}\n").replace(
        "roles: [dgx, wireguard]}", "roles: [dgx, wireguard], wireguard_address: 10.99.0.5}"))
    (tmp_path / "b.fleet.yml").write_text(
        "plugin: nova.dgx.fleet\nwireguard: {cidr: 10.99.0.0/24}\nhosts:\n"
        "  - {name: b, address: 192.0.2.2, architecture: x86_64}\n"
        "  - {name: c, address: 192.0.2.3, architecture: x86_64, roles: [wireguard], wireguard_address: 10.99.0.5}\n")
    result = _inventory("-i", str(tmp_path), "--list")
    _fails(result, f"b.fleet.yml: host b: is also in {tmp_path / 'a.fleet.yml'}; a host belongs to one fleet file")
    assert f"b.fleet.yml: host c: WireGuard address 10.99.0.5 is already host a's in {tmp_path / 'a.fleet.yml'}" in result.stderr
