"""The workflow in docs/n8n.md imports: valid JSON, every connection names a node, the chain is complete."""

from __future__ import annotations

import json
import pathlib
import re

DOC = pathlib.Path(__file__).resolve().parents[3] / "docs" / "n8n.md"


def _workflow() -> dict:
    blocks = re.findall(r"```json\n(.*?)```", DOC.read_text(), re.S)
    (workflow,) = [json.loads(b) for b in blocks if '"nodes"' in b]
    return workflow


def test_workflow_is_connected_webhook_to_notification() -> None:
    workflow = _workflow()
    names = {node["name"]: node["type"] for node in workflow["nodes"]}
    assert names["Webhook"] == "n8n-nodes-base.webhook"
    assert names["Run playbook"] == "n8n-nodes-base.executeCommand"
    assert names["Branch on status"] == "n8n-nodes-base.switch"
    for source, outputs in workflow["connections"].items():
        assert source in names
        for output in outputs["main"]:
            assert all(link["node"] in names for link in output)
    command = next(n for n in workflow["nodes"] if n["name"] == "Run playbook")["parameters"]["command"]
    assert "--always-exit-zero" in command and "python -m nova_dgx run" in command
