"""nova.dgx.nemo's virtualenv path after converge, the idempotence run and side_effect.yml (a failed validation for want
of PyTorch, a requirements file that drops a package, one whose hash is wrong, then the scenario's file again). The
wheels are real (PyPI, served from a local index); the set is two small packages, not nemo_toolkit (docs/testing.md)."""

from __future__ import annotations

import json
import os
import pathlib
import re

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")
PROJECT = pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])
REQUIREMENTS = PROJECT / "molecule" / "nemo" / "requirements-venv.txt"
PINS = dict(re.findall(r"^([a-z][a-z0-9._-]*)==(\S+)", REQUIREMENTS.read_text(), re.MULTILINE))
VENV = "/opt/nemo/venv"


def test_the_virtualenv_belongs_to_the_service_account(host) -> None:
    account = host.user("nemo")
    assert account.group == "nemo"
    assert account.shell == "/usr/sbin/nologin"
    for path in (VENV, f"{VENV}/bin", f"{VENV}/lib"):
        assert host.file(path).user == "nemo", path
    with host.sudo():
        owners = host.check_output(f"find {VENV}/lib -not -user nemo -printf '%u %p\\n'")
    assert owners == ""


def test_it_holds_exactly_the_pinned_packages(host) -> None:
    listed = json.loads(host.check_output(f"{VENV}/bin/python -m pip list --format=json --disable-pip-version-check"))
    have = {item["name"].lower(): item["version"] for item in listed if item["name"].lower() not in ("pip", "setuptools", "wheel")}
    assert have == {name.lower(): version for name, version in PINS.items()}


def test_the_stamp_is_the_requirements_hash(host) -> None:
    import hashlib  # noqa: PLC0415 - only here

    assert host.file(f"{VENV}/nova-installed.sha256").content_string.strip() == hashlib.sha256(REQUIREMENTS.read_text().rstrip("\n").encode()).hexdigest()
    assert host.file(f"{VENV}/nova-requirements.txt").content_string == REQUIREMENTS.read_text()


def test_the_team_can_use_it_and_not_change_it(host) -> None:
    assert "nemo" in host.user("mluser").groups
    shown = host.check_output("su - mluser -c 'nemo-run --print python -c pass'")
    assert f"PATH={VENV}/bin:" in shown
    version = host.check_output("su - mluser -c \"nemo-run python -c 'import packaging; print(packaging.__version__)'\"")
    assert version == PINS["packaging"]
    assert host.run("su - mluser -c 'touch /opt/nemo/venv/lib/x'").rc != 0


def test_the_validation_ran_in_the_virtualenv_as_the_service_account_and_failed_for_want_of_pytorch(host) -> None:
    with host.sudo():
        result = json.loads(host.file("/var/lib/nova-nemo/validation.json").content_string)
        report = host.file("/var/lib/nova-nemo/report/nemo_validation.md")
        assert report.user == "nemo"
        assert "PyTorch" in report.content_string or "torch" in report.content_string
    assert result["ok"] is False
    assert result["image"].startswith(VENV + " ")
    assert "torch" in json.dumps(result).lower()
