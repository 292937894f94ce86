"""The n8n control node's virtualenv (roles/n8n/files/requirements-control.txt, written by scripts/pin-requirements control)
pins what `python -m nova_dgx run` needs at requirements.txt's versions, every pin with its hashes, and nothing that
only tests or lints."""

from __future__ import annotations

import importlib.metadata
import pathlib
import re

from packaging.requirements import Requirement

ROOT = pathlib.Path(__file__).resolve().parents[3]
CONTROL = ROOT / "roles" / "n8n" / "files" / "requirements-control.txt"
DIRECT = ("ansible", "ansible-core", "ansible-runner", "hvac", "netaddr", "jmespath", "pyyaml")
TEST_ONLY = ("molecule", "molecule-plugins", "pytest", "pytest-testinfra", "pytest-xdist", "ansible-lint", "mypy", "yamllint", "moto", "black")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: pathlib.Path) -> dict[str, tuple[str, list[str]]]:
    """Each name==version line (continuations joined) by canonical name: its version and its sha256 hashes."""
    pins = {}
    for line in re.sub(r"\\\n", " ", path.read_text()).splitlines():
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
        if match:
            pins[_canonical(match.group(1))] = (match.group(2), re.findall(r"--hash=sha256:(\S+)", line))
    return pins


CONTROL_PINS = _pins(CONTROL)
PROJECT_PINS = _pins(ROOT / "requirements.txt")


def test_every_pin_has_requirements_txt_version() -> None:
    assert CONTROL_PINS
    assert {name: pin[0] for name, pin in CONTROL_PINS.items() if PROJECT_PINS.get(name, ("", []))[0] != pin[0]} == {}


def test_every_pin_has_hashes() -> None:
    for name, (_version, hashes) in CONTROL_PINS.items():
        assert hashes, f"{name} has no --hash=sha256:"
        assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in hashes), name


def test_the_direct_packages_are_pinned_and_nothing_for_tests() -> None:
    assert set(DIRECT) <= set(CONTROL_PINS)
    assert set(TEST_ONLY) & set(CONTROL_PINS) == set()
    assert not [name for name in CONTROL_PINS if name.startswith("pytest")]
    assert set(TEST_ONLY) <= set(PROJECT_PINS), "requirements.txt no longer pins a test-only package this test names"


def test_the_file_says_who_writes_it() -> None:
    assert "Written by scripts/pin-requirements control: do not edit by hand." in CONTROL.read_text()


def test_every_runtime_dependency_is_pinned() -> None:
    # The venv that runs this test has requirements.txt installed, so the pinned releases' own metadata says what they need.
    for name in CONTROL_PINS:
        for text in importlib.metadata.requires(name) or []:
            needed = Requirement(text)
            if needed.marker is None or needed.marker.evaluate({"extra": ""}):
                assert _canonical(needed.name) in CONTROL_PINS, f"{name} needs {needed.name}, which is not pinned"
