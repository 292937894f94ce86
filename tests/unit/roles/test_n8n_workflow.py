"""The nova workflow's two Code nodes (roles/n8n/files/workflow/*.js), run by the pinned Node.js from the artifact
mirror (scripts/build-standin-repo fetched it from the npm registry): what a webhook caller may send, the command built
from it, and the HTTP status each runner result gets. n8n itself runs them in the lab (tests/integration)."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import tarfile

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
FILES = ROOT / "roles" / "n8n" / "files"
WORKFLOW = json.loads((FILES / "nova-dgx-run.workflow.json").read_text())
CODE = {node["name"]: node["parameters"]["jsCode"] for node in WORKFLOW["nodes"] if node["type"] == "n8n-nodes-base.code"}


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> str:
    defaults = yaml.safe_load((ROOT / "roles/n8n/defaults/main.yml").read_text())
    arch = {"x86_64": "x64", "aarch64": "arm64"}[__import__("os").uname().machine]
    version = defaults["n8n_node_version"]
    tarball = (ROOT / "build/standin/artifacts/registry.npmjs.org" / f"node-linux-{arch}/-/node-linux-{arch}-{version}.tgz")
    if not tarball.is_file():
        pytest.skip(f"{tarball.relative_to(ROOT)} is missing: run scripts/build-standin-repo")
    target = tmp_path_factory.mktemp("node")
    with tarfile.open(tarball) as archive:
        member = archive.getmember("package/bin/node")
        member.name = "node"
        archive.extract(member, target, filter="data")
    return str(target / "node")


def run(node: str, name: str, body: object, earlier: dict | None = None, command: str = "/usr/local/bin/nova-dgx") -> dict:
    code = CODE[name].replace("__NOVA_RUN_COMMAND__", command)
    script = (f"const $input = {{first: () => ({{json: {json.dumps(body)}}})}};\n"
              f"const $ = (n) => ({{first: () => ({{json: {json.dumps(earlier or {})}}})}});\n"
              f"const out = (function() {{\n{code}\n}})();\nprocess.stdout.write(JSON.stringify(out));\n")
    result = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True, timeout=60)
    (item,) = json.loads(result.stdout)
    return item["json"]


def validate(node: str, body: object, **kw: str) -> dict:
    return run(node, "Validate request", {"body": body, "headers": {}}, **kw)


def test_the_committed_workflow_is_what_its_sources_build() -> None:
    assert subprocess.run([sys.executable, str(ROOT / "scripts/build-n8n-workflow"), "--check"], check=False).returncode == 0


@pytest.mark.parametrize(("body", "why"), [
    (None, "the request body must be a JSON object"),
    ({}, "playbook is required"),
    ([{"playbook": "site.yml"}], "the request body must be a JSON object"),
    ({"playbook": "site.yml"}, "limit is required"),
    ({"playbook": "site.yml", "limit": ""}, "limit is required"),
    ({"limit": "dgx"}, "playbook is required"),
    ({"playbook": "site.yml; touch /tmp/x", "limit": "dgx"}, "playbook must be site.yml or playbooks/<name>.yml"),
    ({"playbook": "playbooks/../../etc/x.yml", "limit": "dgx"}, "playbook must be"),
    ({"playbook": "site.yml", "limit": "dgx'; touch /tmp/x; '"}, "limit may only contain"),
    ({"playbook": "site.yml", "limit": "$(id)"}, "limit may only contain"),
    ({"playbook": "site.yml", "limit": "`id`"}, "limit may only contain"),
    ({"playbook": "site.yml", "limit": "dgx all"}, "limit may only contain"),
    ({"playbook": "site.yml", "limit": "-e@/etc/passwd"}, "limit may only contain"),
    ({"playbook": "site.yml", "limit": 5}, "limit may only contain"),
    ({"playbook": "site.yml", "limit": "dgx", "tags": "x;id"}, "tags must be"),
    ({"playbook": "site.yml", "limit": "dgx", "tags": "-x"}, "tags must be"),
    ({"playbook": "site.yml", "limit": "dgx", "check": "false"}, "check must be true or false"),
    ({"playbook": "site.yml", "limit": "dgx", "extra_vars": {"a": 1}}, "unknown field(s): extra_vars"),
])
def test_a_request_that_is_not_exactly_right_is_refused_before_anything_runs(node: str, body: object, why: str) -> None:
    out = validate(node, body)
    assert out["valid"] is False and out["httpStatus"] == 400 and "command" not in out
    assert out["response"]["status"] == "error" and out["response"]["rc"] == 4
    assert why in out["response"]["error"]


def test_check_mode_is_the_default_and_only_false_turns_it_off(node: str) -> None:
    default = validate(node, {"playbook": "site.yml", "limit": "dgx"})
    assert default["valid"] and default["check"] is True
    assert default["command"] == ("exec env -i PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 '/usr/local/bin/nova-dgx' run 'site.yml'"
                                  " --limit='dgx' --check --always-exit-zero")
    real = validate(node, {"playbook": "playbooks/base.yml", "limit": "dgx:&gpu:!dgx-spark-02", "tags": "base_verify", "check": False})
    assert real["check"] is False and "--check" not in real["command"]
    assert "run 'playbooks/base.yml' --limit='dgx:&gpu:!dgx-spark-02' --tags='base_verify' --always-exit-zero" in real["command"]


def test_an_unconfigured_command_is_a_server_error(node: str) -> None:
    out = validate(node, {"playbook": "site.yml", "limit": "dgx"}, command="/usr/local/bin/nova dgx")
    assert out["valid"] is False and out["httpStatus"] == 500


REQUEST = {"playbook": "site.yml", "limit": "dgx", "tags": "", "check": True}


@pytest.mark.parametrize(("runner", "status"), [
    ({"status": "successful", "rc": 0}, 200),
    ({"status": "busy", "rc": 3, "busy": {"dgx-spark-01": "20261205T194023Z-53fe1a4c pid=17785"}}, 409),
    ({"status": "failed", "rc": 2, "error": "dgx-spark-01: base: task: boom"}, 422),
    ({"status": "timeout", "rc": 2}, 422),
    ({"status": "error", "rc": 4, "error": "playbook missing"}, 400),
    ({"status": "error", "rc": 1, "error": "unexpected"}, 500),
])
def test_the_caller_gets_the_runners_json_with_a_status_that_says_what_happened(node: str, runner: dict, status: int) -> None:
    out = run(node, "Parse result", {"stdout": json.dumps(runner), "stderr": "", "exitCode": 0}, earlier=REQUEST)
    assert out["response"] == runner and out["httpStatus"] == status
    assert out["notify"]["playbook"] == "site.yml" and out["notify"]["limit"] == "dgx" and out["notify"]["status"] == runner["status"]
    assert out["notify"]["error"] == runner.get("error") and out["notify"]["busy"] == runner.get("busy")


def test_a_runner_that_prints_no_json_is_a_server_error_naming_the_request(node: str) -> None:
    out = run(node, "Parse result", {"error": "Command failed: exit 1\nTraceback", "stdout": ""}, earlier=REQUEST)
    assert out["httpStatus"] == 500
    assert out["response"]["status"] == "error" and out["response"]["playbook"] == "site.yml" and out["response"]["limit"] == "dgx"
    assert "the command failed: Command failed: exit 1" in out["response"]["error"]
