"""The collection's contracts that no linter checks: dependencies, layers, specs and docs."""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys

import pytest
import yaml

from ansible_collections.nova.dgx.plugins.plugin_utils._fleet import ROLES as FLEET_ROLES

ROOT = pathlib.Path(__file__).resolve().parents[2]
LAYERS = ["base", "network", "secrets", "gpu", "containers", "data", "monitoring", "model_ops", "automation"]
ROLES = sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir() and not p.name.startswith("_"))
CONTENT = [*ROOT.glob("roles/*/tasks/*.yml"), *ROOT.glob("roles/*/handlers/*.yml"), *ROOT.glob("roles/*/defaults/*.yml"),
           *ROOT.glob("roles/*/vars/*.yml"), *ROOT.glob("roles/*/templates/*.j2"), *ROOT.glob("playbooks/*.yml"), ROOT / "site.yml"]
_NAME = r"([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\.[a-z][a-z0-9_]*"
# Where a collection is named: a task's module key, a role reference, a filter or test.
# (also a filter by name: map('ansible.utils.ipwrap'))
FQCN = re.compile(rf"^\s*(?:- )?{_NAME}:|role: {_NAME}\b|\| {_NAME}\b|\bis {_NAME}\b|\(['\"]{_NAME}['\"]", re.M)


def _load(path: pathlib.Path) -> object:
    return yaml.safe_load(path.read_text())


def test_galaxy_dependencies_are_exactly_the_collections_the_content_uses() -> None:
    used = set()
    for path in CONTENT:
        for match in FQCN.finditer(path.read_text()):
            groups = [g for g in match.groups() if g]
            used.add(f"{groups[0]}.{groups[1]}")
    assert "nova.dgx" in used and "ansible.builtin" in used  # the scan sees FQCNs at all
    used -= {"ansible.builtin", "nova.dgx"}
    declared = set(_load(ROOT / "galaxy.yml")["dependencies"])
    assert used == declared


@pytest.mark.parametrize("site", ["site.yml", "playbooks/site.yml"])
def test_site_imports_one_playbook_per_layer_in_order(site: str) -> None:
    imports = [play["ansible.builtin.import_playbook"] for play in _load(ROOT / site)]
    assert [pathlib.Path(i).stem for i in imports] == LAYERS
    for name in imports:
        assert (ROOT / pathlib.Path(site).parent / name).is_file()


def _lab_groups() -> set[str]:
    listing = subprocess.run(
        [str(pathlib.Path(sys.executable).parent / "ansible-inventory"), "-i", str(ROOT / "inventories/lab"), "--list"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    return set(json.loads(listing.stdout)) - {"_meta"}


def _plays(path: pathlib.Path) -> list[dict]:
    """The plays of a playbook, those of the playbooks it imports included."""
    plays = []
    for play in _load(path):
        imported = play.get("ansible.builtin.import_playbook")
        plays += _plays(path.parent / imported) if imported else [play]
    return plays


def test_layer_plays_target_groups_the_inventory_defines() -> None:
    # The lab's groups, and the fleet's roles the lab has no host in (k3s_agent).
    groups = _lab_groups() | set(FLEET_ROLES)
    for layer in LAYERS:
        for play in _plays(ROOT / "playbooks" / f"{layer}.yml"):
            for pattern in re.split(r"[:,]", play["hosts"]):
                assert pattern.lstrip("!&") in groups, f"{layer}.yml targets unknown group {pattern}"


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_argument_spec_matches_defaults(role: pathlib.Path) -> None:
    spec = _load(role / "meta/argument_specs.yml")["argument_specs"]["main"]["options"]
    defaults = _load(role / "defaults/main.yml") or {}
    assert set(defaults) == {name for name, opt in spec.items() if "default" in opt}, "defaults/main.yml and the spec list different variables"
    for name, value in defaults.items():
        assert spec[name]["default"] == value, f"{name}: spec default differs from defaults/main.yml"
    for name in spec:
        assert name.startswith(f"{role.name}_"), f"{name} is not prefixed {role.name}_"


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_internal_vars_are_underscore_prefixed(role: pathlib.Path) -> None:
    for path in role.glob("vars/*.yml"):
        for name in _load(path) or {}:
            assert name.startswith(f"_{role.name}_"), f"{path.name}: {name}"


def test_role_docs_are_generated_from_the_specs() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts/role-docs"), "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_runtime_requires_the_pinned_core() -> None:
    runtime = _load(ROOT / "meta/runtime.yml")
    pinned = re.search(r"^ansible-core==(\d+\.\d+)\.", (ROOT / "requirements.txt").read_text(), re.M)
    assert pinned and f">={pinned.group(1)}.0" in runtime["requires_ansible"]
