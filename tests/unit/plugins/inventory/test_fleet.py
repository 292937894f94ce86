"""nova.dgx.fleet through Ansible itself: ansible-inventory and ansible-doc."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

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
