"""nova.dgx.n8n's logic: its input, n8n's environment file, the workflow it imports and when it imports again."""

from __future__ import annotations

import base64
import json
import pathlib

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._n8n import environment, errors, workflow, workflow_differences
from ansible_collections.nova.dgx.plugins.plugin_utils._n8n_control import known_hosts

ROOT = pathlib.Path(__file__).resolve().parents[4]
TEMPLATE = (ROOT / "roles/n8n/files/nova-dgx-run.workflow.json").read_text()
GOOD = {"n8n_listen_address": "10.99.0.12", "n8n_port": 5678, "n8n_user": "nova", "n8n_home": "/var/lib/nova-n8n",
        "n8n_project_dir": "/opt/nova-dgx", "n8n_webhook_path": "nova-dgx-run", "n8n_notify_url": "",
        "n8n_encryption_key_secret_path": "n8n/encryption-key", "n8n_owner_secret_path": "n8n/owner",
        "n8n_webhook_token_secret_path": "n8n/webhook-token", "n8n_owner_email": "platform@nova-dgx.invalid",
        "n8n_npm_registry": "https://registry.npmjs.org/", "n8n_extra_environment": {"N8N_LOG_LEVEL": "debug"},
        "n8n_project_version": "", "n8n_project_inventory": "", "n8n_project_keep": 3, "n8n_pip_index_url": "https://pypi.org/simple",
        "n8n_summary_on_calendar": "*-*-* 06:00:00", "n8n_summary_keep": 30}


def test_good_input_has_no_errors() -> None:
    assert errors(GOOD) == []
    assert errors({**GOOD, "n8n_listen_address": "fd00::12", "n8n_notify_url": "https://hooks.example/nova"}) == []


def test_the_environment_enables_execute_command_and_keeps_n8n_quiet_and_local() -> None:
    text = environment({"home": "/var/lib/nova-n8n", "node": "/opt/nova-n8n/node-24.22.3", "address": "10.99.0.12", "port": 5678,
                        "key_file": "/etc/nova-n8n/encryption-key",
                        "extra": {"N8N_LOG_LEVEL": "debug"}})
    lines = dict(line.split("=", 1) for line in text.splitlines() if not line.startswith("#"))
    assert lines["NODES_EXCLUDE"] == "'[\"n8n-nodes-base.localFileTrigger\"]'"  # Execute Command on, Local File Trigger off
    assert lines["N8N_LISTEN_ADDRESS"] == "'10.99.0.12'" and lines["N8N_PORT"] == "'5678'"
    assert lines["N8N_ENCRYPTION_KEY_FILE"] == "'/etc/nova-n8n/encryption-key'" and "N8N_ENCRYPTION_KEY" not in lines
    assert lines["N8N_DIAGNOSTICS_ENABLED"] == "'false'" and lines["N8N_PUBLIC_API_DISABLED"] == "'true'"
    assert lines["PATH"].startswith("'/opt/nova-n8n/node-24.22.3/bin:")  # the task runner is spawned as `node`
    assert lines["N8N_RUNNERS_BROKER_LISTEN_ADDRESS"] == "'127.0.0.1'" and lines["N8N_LOG_LEVEL"] == "'debug'"


def test_the_workflow_is_filled_in_and_drops_the_notification_without_a_target() -> None:
    filled = workflow(TEMPLATE, "/opt/nova-dgx", "", "run-it", "credId", "cred name")
    names = [node["name"] for node in filled["nodes"]]
    assert "Notify" not in names and "Notify" not in json.dumps(filled["connections"])
    assert "__" not in json.dumps(filled).replace("__proto__", "")
    webhook = next(node for node in filled["nodes"] if node["name"] == "Webhook")
    assert webhook["parameters"]["path"] == "run-it" and webhook["credentials"]["httpHeaderAuth"] == {"id": "credId", "name": "cred name"}
    notifying = workflow(TEMPLATE, "/opt/nova-dgx", "https://hooks.example/nova", "run-it", "credId", "cred name")
    notify = next(node for node in notifying["nodes"] if node["name"] == "Notify")
    assert notify["parameters"]["url"] == "https://hooks.example/nova" and notify["onError"] == "continueRegularOutput"


def test_an_import_is_due_only_when_n8n_has_another_workflow_or_has_not_published_it() -> None:
    wanted = workflow(TEMPLATE, "/opt/nova-dgx", "", "nova-dgx-run", "credId", "cred name")
    exported = [{**wanted, "nodes": list(reversed(wanted["nodes"])), "active": True, "versionId": "v2", "activeVersionId": "v2",
                 "updatedAt": "2026-12-05T20:00:00Z", "shared": []}]
    assert workflow_differences(json.dumps(exported), wanted) == []
    assert workflow_differences(json.dumps([{**exported[0], "activeVersionId": "v1"}]), wanted) == ["not published at its current version"]
    changed = workflow(TEMPLATE, "/srv/nova-dgx", "", "nova-dgx-run", "credId", "cred name")
    assert workflow_differences(json.dumps(exported), changed) == ["nodes"]
    assert workflow_differences("", wanted) == ["n8n's export is not JSON"]
    assert workflow_differences("[]", wanted) == ["the workflow is not in n8n"]


@pytest.mark.parametrize(("change", "expected"), [
    ({"n8n_project_version": "--upload-pack=touch /tmp/x"}, "n8n_project_version must be"),
    ({"n8n_project_version": "v1.2; id"}, "n8n_project_version must be"),
    ({"n8n_project_inventory": "../prod"}, "n8n_project_inventory must be"),
    ({"n8n_project_inventory": "/etc/ansible/hosts"}, "n8n_project_inventory must be"),
    ({"n8n_project_keep": 0}, "n8n_project_keep must be"),
    ({"n8n_pip_index_url": "pypi.org/simple"}, "n8n_pip_index_url must be"),
    ({"n8n_summary_on_calendar": "daily; rm -rf /"}, "n8n_summary_on_calendar must be"),
    ({"n8n_summary_keep": "many"}, "n8n_summary_keep must be"),
])
def test_control_node_settings_are_checked(change: dict, expected: str) -> None:
    assert any(expected in error for error in errors({**GOOD, **change})), errors({**GOOD, **change})
    assert errors({**GOOD, "n8n_project_version": "v1.2.0", "n8n_project_inventory": "inventories/prod"}) == []


def test_known_hosts_name_each_host_as_ssh_looks_it_up_and_say_what_is_missing() -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEufAr3CFlZnhNApZIW0GNwZv/huboaljOK4gi/Kp6hy root@db-01"
    results = [{"item": "db-01", "content": base64.b64encode(key.encode()).decode()}, {"item": "dgx-spark-01", "unreachable": True}]
    text = known_hosts(results, {"db-01": "172.31.240.13,db-01", "dgx-spark-01": "[10.0.0.5]:2222"})
    assert "172.31.240.13,db-01 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEufAr3CFlZnhNApZIW0GNwZv/huboaljOK4gi/Kp6hy\n" in text
    assert "root@db-01" not in text and "# Not read (unreachable or no ed25519 key): dgx-spark-01" in text
    with pytest.raises(ValueError, match="db-01's SSH host key or address"):
        known_hosts([{"item": "db-01", "content": base64.b64encode(b"not a key").decode()}], {"db-01": "db-01"})
