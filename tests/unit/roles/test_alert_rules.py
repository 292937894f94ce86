"""The platform's alert rules (nova.dgx.prometheus's templates/rules/nova.rules.yml.j2).

Rendered with plain Jinja and the role's defaults, the file must pass `promtool check rules` and the
unit tests in tests/promtool/ (every alert fires in one case, exactly labelled and annotated, and
stays quiet in another), and every alert needs a severity, its annotations and a runbook.
promtool comes from Debian's prometheus package: scripts/setup-host installs it, and without it
these tests fail rather than skip.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
import typing as t

import jinja2
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "roles/prometheus/templates"
TEMPLATE = "rules/nova.rules.yml.j2"
DEFAULTS = yaml.safe_load((ROOT / "roles/prometheus/defaults/main.yml").read_text())
PROMTOOL_TESTS = sorted((ROOT / "tests/promtool").glob("*.test.yml"))
RUNBOOKS = ROOT / "docs/runbooks/alerts"
SECTIONS = ("Symptom", "Impact", "First checks", "Fix")
SEVERITIES = {"warning", "critical"}


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: run scripts/setup-host, which installs Debian's prometheus package (it brings promtool)")
    return found


def render(variables: dict[str, t.Any]) -> str:
    """The rules file as ansible.builtin.template and nova.dgx.files render it (their Jinja options)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=False, keep_trailing_newline=True)
    return env.get_template(TEMPLATE).render(ansible_managed="Ansible managed", **variables)


def run(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool(), *args], capture_output=True, text=True, timeout=300, check=False, cwd=cwd)


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A directory with the rendered nova.rules.yml and copies of tests/promtool/*.test.yml beside it."""
    directory = tmp_path_factory.mktemp("rules")
    (directory / "nova.rules.yml").write_text(render(DEFAULTS))
    for test_file in PROMTOOL_TESTS:
        shutil.copy(test_file, directory / test_file.name)
    return directory


@pytest.fixture(scope="module")
def alerts(rules_dir: pathlib.Path) -> dict[str, dict[str, t.Any]]:
    """Each alerting rule by name."""
    groups = yaml.safe_load((rules_dir / "nova.rules.yml").read_text())["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names)), f"alert names repeat: {sorted(n for n in names if names.count(n) > 1)}"
    return {rule["alert"]: rule for rule in rules}


def test_the_rendered_rules_pass_promtool_check(rules_dir: pathlib.Path) -> None:
    result = run("check", "rules", "nova.rules.yml", cwd=rules_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


@pytest.mark.parametrize("test_file", PROMTOOL_TESTS, ids=[path.name for path in PROMTOOL_TESTS])
def test_promtool_unit_tests_pass(rules_dir: pathlib.Path, test_file: pathlib.Path) -> None:
    result = run("test", "rules", test_file.name, cwd=rules_dir)
    assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_templates_survive_jinja(rules_dir: pathlib.Path) -> None:
    text = (rules_dir / "nova.rules.yml").read_text()
    assert "{{ $labels.instance }}" in text and "{{ $value | humanizeDuration }}" in text
    assert not re.search(r"\{\{ p\(|\{%|\{#", text), "Jinja syntax left in the rendered file"
    assert text.startswith("# Ansible managed\n")


def test_every_alert_has_a_severity_a_for_and_its_annotations(alerts: dict[str, dict[str, t.Any]]) -> None:
    base = DEFAULTS["prometheus_runbook_url"]
    for name, rule in alerts.items():
        assert re.fullmatch(r"([A-Z][a-z0-9]*)+", name), f"{name}: alert names are CamelCase"
        assert rule.get("labels", {}).get("severity") in SEVERITIES, f"{name}: severity must be one of {sorted(SEVERITIES)}"
        assert "for" in rule, f"{name}: state the for: duration, even 0m"
        annotations = rule.get("annotations", {})
        assert set(annotations) == {"summary", "description", "runbook_url"}, f"{name}: annotations {sorted(annotations)}"
        assert all(isinstance(value, str) and value.strip() for value in annotations.values()), name
        assert annotations["runbook_url"] == f"{base}/{name}.md", name


def _cases() -> dict[str, dict[str, list[dict[str, t.Any]]]]:
    """alert name -> {"fires": [expected alerts...], "quiet": [...]} from every alert_rule_test in tests/promtool."""
    cases: dict[str, dict[str, list[dict[str, t.Any]]]] = {}
    for test_file in PROMTOOL_TESTS:
        for group in yaml.safe_load(test_file.read_text())["tests"]:
            for case in group.get("alert_rule_test", []):
                expected = case.get("exp_alerts") or []
                kind = cases.setdefault(case["alertname"], {"fires": [], "quiet": []})
                if expected:
                    kind["fires"] += expected
                else:
                    kind["quiet"].append(case)
    return cases


def test_every_alert_is_tested_firing_and_quiet_with_its_exact_labels_and_annotations(alerts: dict[str, dict[str, t.Any]]) -> None:
    cases = _cases()
    assert sorted(set(cases) - set(alerts)) == [], "tests/promtool names alerts the rules do not have"
    for name, rule in alerts.items():
        assert cases.get(name, {}).get("fires"), f"{name}: no test case in tests/promtool where it fires"
        assert cases[name]["quiet"], f"{name}: no test case in tests/promtool where it stays quiet"
        for expected in cases[name]["fires"]:
            assert expected["exp_labels"]["severity"] == rule["labels"]["severity"], name
            assert set(expected["exp_annotations"]) == {"summary", "description", "runbook_url"}, name
            assert expected["exp_annotations"]["runbook_url"].endswith(f"/{name}.md"), name


def test_every_alert_has_a_runbook_with_its_sections(alerts: dict[str, dict[str, t.Any]]) -> None:
    for name in alerts:
        page = RUNBOOKS / f"{name}.md"
        assert page.is_file(), f"docs/runbooks/alerts/{name}.md is missing"
        headings = re.findall(r"(?m)^## (.+?)\s*$", page.read_text())
        assert [h for h in headings if h in SECTIONS] == list(SECTIONS), f"{page.name}: sections {headings}, need {list(SECTIONS)} in order"
    pages = {page.stem for page in RUNBOOKS.glob("*.md")} - {"README"}
    assert sorted(pages - set(alerts)) == [], "runbooks for alerts that no longer exist"


def test_the_runbook_index_lists_every_alert_with_its_severity(alerts: dict[str, dict[str, t.Any]]) -> None:
    index = (RUNBOOKS / "README.md").read_text()
    for name, rule in alerts.items():
        row = re.search(rf"(?m)^\| \[{name}\]\({name}\.md\) \|.*$", index)
        assert row, f"docs/runbooks/alerts/README.md has no row for {name}"
        assert f"| {rule['labels']['severity']} |" in row.group(0), f"README row of {name} does not say {rule['labels']['severity']}"


def test_the_thresholds_and_the_runbook_url_reach_the_rules(tmp_path: pathlib.Path) -> None:
    variables = {
        "prometheus_alert_thresholds": {**DEFAULTS["prometheus_alert_thresholds"], "gpu_temp_warning_c": 80, "backup_max_age": "2d",
                                        "wireguard_handshake_max_age": "10m", "container_restart_window": "1h"},
        "prometheus_runbook_url": "https://wiki.example.org/runbooks/",
    }
    (tmp_path / "nova.rules.yml").write_text(render(variables))
    rules = {rule["alert"]: rule for group in yaml.safe_load((tmp_path / "nova.rules.yml").read_text())["groups"] for rule in group["rules"]}
    assert rules["GpuTemperatureHigh"]["expr"] == "DCGM_FI_DEV_GPU_TEMP > 80"
    assert rules["BackupTooOld"]["expr"] == "time() - nova_backup_last_success_timestamp_seconds > 172800"
    assert rules["BackupMissing"]["for"] == "2d"
    assert rules["WireguardHandshakeStale"]["expr"].endswith("> 600")
    assert "[1h]" in rules["ContainerRestartLoop"]["expr"]
    assert rules["HostDown"]["annotations"]["runbook_url"] == "https://wiki.example.org/runbooks/HostDown.md"
    result = run("check", "rules", "nova.rules.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_missing_threshold_stops_the_rendering() -> None:
    thresholds = {key: value for key, value in DEFAULTS["prometheus_alert_thresholds"].items() if key != "gpu_temp_critical_c"}
    with pytest.raises(jinja2.UndefinedError, match="gpu_temp_critical_c"):
        render({**DEFAULTS, "prometheus_alert_thresholds": thresholds})


def test_ansible_renders_the_same_file(tmp_path: pathlib.Path, rules_dir: pathlib.Path) -> None:
    """The role renders through Ansible's templating: it must leave Prometheus's templates exactly as plain Jinja does."""
    (tmp_path / "vars.yml").write_text(yaml.safe_dump(DEFAULTS))
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")  # Ansible's own defaults, not the repository's callbacks and inventory
    env = dict(os.environ, ANSIBLE_CONFIG=str(tmp_path / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    ansible = pathlib.Path(sys.executable).parent / "ansible"
    result = subprocess.run(
        [str(ansible), "localhost", "-c", "local", "-m", "ansible.builtin.template",
         "-a", f"src={TEMPLATES / TEMPLATE} dest={tmp_path / 'nova.rules.yml'}", "-e", f"@{tmp_path / 'vars.yml'}",
         "-e", "ansible_python_interpreter=" + sys.executable],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    by_ansible = (tmp_path / "nova.rules.yml").read_text().split("\n", 1)
    by_jinja = (rules_dir / "nova.rules.yml").read_text().split("\n", 1)
    assert by_ansible[0].startswith("# ") and by_ansible[1] == by_jinja[1]
