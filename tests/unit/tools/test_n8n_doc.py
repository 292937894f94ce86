"""The nova workflow the n8n role publishes (roles/n8n/files/nova-dgx-run.workflow.json) is whole: every connection names
a node, the webhook needs its token and answers from a Respond node, the command runs the runner, the notification
comes after the reply and never fails the run; and docs/n8n.md names the fields and statuses the workflow uses."""

from __future__ import annotations

import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[3]
WORKFLOW = json.loads((ROOT / "roles" / "n8n" / "files" / "nova-dgx-run.workflow.json").read_text())
DOC = (ROOT / "docs" / "n8n.md").read_text()


def test_workflow_is_connected_webhook_to_notification() -> None:
    nodes = {node["name"]: node for node in WORKFLOW["nodes"]}
    assert nodes["Webhook"]["type"] == "n8n-nodes-base.webhook"
    assert nodes["Webhook"]["parameters"]["authentication"] == "headerAuth"
    assert nodes["Webhook"]["parameters"]["responseMode"] == "responseNode"
    assert nodes["Run playbook"]["type"] == "n8n-nodes-base.executeCommand"
    assert nodes["Notify"]["onError"] == "continueRegularOutput" and nodes["Notify"]["retryOnFail"] is False
    for source, outputs in WORKFLOW["connections"].items():
        assert source in nodes
        for output in outputs["main"]:
            assert all(link["node"] in nodes for link in output)
    assert WORKFLOW["connections"]["Respond with result"]["main"] == [[{"node": "Notify", "type": "main", "index": 0}]]
    command = nodes["Validate request"]["parameters"]["jsCode"]
    assert "--always-exit-zero" in command and "${q(RUN)} run ${q(playbook)}" in command


def test_the_doc_describes_the_request_and_the_statuses_the_workflow_uses() -> None:
    validate = next(n for n in WORKFLOW["nodes"] if n["name"] == "Validate request")["parameters"]["jsCode"]
    parse = next(n for n in WORKFLOW["nodes"] if n["name"] == "Parse result")["parameters"]["jsCode"]
    for field in ("playbook", "limit", "tags", "check"):
        assert f"'{field}'" in validate and f"| `{field}` |" in DOC
    for status, code in (("successful", 200), ("busy", 409), ("failed", 422)):
        assert f"{status}: {code}" in parse and f"| {code} |" in DOC
