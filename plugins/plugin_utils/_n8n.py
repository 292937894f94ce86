# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""n8n for nova.dgx.n8n: the checks of its input, the environment file, the workflow as imported, and whether
n8n's export of it differs from what the role would import (private)."""

from __future__ import annotations

import ipaddress
import json
import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._validate import integer, shown

__all__ = ["environment", "errors", "workflow", "workflow_differences"]

_ACCOUNT = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
_PROJECT = re.compile(r"/[A-Za-z0-9_./-]+")
_PATH = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_SECRET_PATH = re.compile(r"[a-z0-9_-]+(/[a-z0-9_.-]+)+")
_REVISION = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}")
_RELATIVE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}")
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
# What the role sets itself: an extra variable may not change where n8n listens, its key, or which nodes run.
OWN_ENVIRONMENT = ("N8N_USER_FOLDER", "N8N_LISTEN_ADDRESS", "N8N_PORT", "N8N_ENCRYPTION_KEY_FILE", "N8N_ENCRYPTION_KEY",
                   "NODES_EXCLUDE", "N8N_PUBLIC_API_DISABLED", "N8N_RUNNERS_BROKER_LISTEN_ADDRESS")
# The placeholders files/nova-dgx-run.workflow.json carries.
PLACEHOLDERS = ("__NOVA_RUN_COMMAND__", "__NOTIFY_URL__", "__N8N_CREDENTIAL_ID__", "__N8N_CREDENTIAL_NAME__")
# What decides whether an import is due: the rest (ids n8n assigns, timestamps, versions) is n8n's own.
COMPARED = ("name", "nodes", "connections", "settings")


def _address_errors(address: object) -> list[str]:
    try:
        ipaddress.ip_address(str(address))
    except ValueError:
        return [f"n8n_listen_address must be one IP address (the WireGuard address, or 127.0.0.1), got {shown(address)}"]
    if str(address) in ("0.0.0.0", "::"):
        return ["n8n_listen_address may not be a wildcard: n8n would answer on every network; give the WireGuard address"]
    return []


def errors(settings: dict[str, t.Any]) -> list[str]:
    """Problems with nova.dgx.n8n's input, each naming the variable and the fix."""
    problems = _address_errors(settings.get("n8n_listen_address"))
    port = integer(settings.get("n8n_port"))
    if port is None or not 1024 <= port <= 65535 or port in (5679, 5680):
        problems.append(f"n8n_port must be a port from 1024 to 65535 other than 5679 and 5680 (n8n's task broker), got"
                        f" {shown(settings.get('n8n_port'))}")
    user = settings.get("n8n_user")
    if not isinstance(user, str) or not _ACCOUNT.fullmatch(user) or user == "root":
        problems.append(f"n8n_user must be an account name other than root, got {shown(user)}")
    for name in ("n8n_home", "n8n_project_dir"):
        value = settings.get(name)
        if not isinstance(value, str) or not _PROJECT.fullmatch(value) or ".." in value.split("/") or value.rstrip("/") in ("", "/usr", "/etc"):
            problems.append(f"{name} must be an absolute directory of letters, digits, _ . / - (such as /opt/nova-dgx), got {shown(value)}")
    path = settings.get("n8n_webhook_path")
    if not isinstance(path, str) or not _PATH.fullmatch(path):
        problems.append(f"n8n_webhook_path must be one lower-case path segment such as nova-dgx-run, got {shown(path)}")
    notify = settings.get("n8n_notify_url")
    if not isinstance(notify, str) or (notify and not re.fullmatch(r"https?://[^\s'\"\\`$]+", notify)):
        problems.append(f"n8n_notify_url must be '' or an http(s) URL without quotes or spaces, got {shown(notify)}")
    for name in ("n8n_encryption_key_secret_path", "n8n_owner_secret_path", "n8n_webhook_token_secret_path"):
        if not isinstance(settings.get(name), str) or not _SECRET_PATH.fullmatch(settings[name]):
            problems.append(f"{name} must be a path in the secrets server such as n8n/owner, got {shown(settings.get(name))}")
    email = settings.get("n8n_owner_email")
    if not isinstance(email, str) or not _EMAIL.fullmatch(email):
        problems.append(f"n8n_owner_email must be an e-mail address (n8n's owner login), got {shown(email)}")
    registry = settings.get("n8n_npm_registry")
    if not isinstance(registry, str) or not re.fullmatch(r"https?://\S+/", registry):
        problems.append(f"n8n_npm_registry must be a registry URL ending in / such as https://registry.npmjs.org/, got {shown(registry)}")
    problems += _control_errors(settings)
    extra = settings.get("n8n_extra_environment")
    if not isinstance(extra, dict):
        problems.append(f"n8n_extra_environment must map variable names to values, got {shown(extra)}")
    else:
        for name, value in extra.items():
            if not isinstance(name, str) or not _ENV_NAME.fullmatch(name) or name in OWN_ENVIRONMENT:
                problems.append(f"n8n_extra_environment: {name!r} is not a variable it may set (upper case; not one the role sets:"
                                f" {', '.join(OWN_ENVIRONMENT)})")
            elif not isinstance(value, (str, int, bool)) or "\n" in str(value):
                problems.append(f"n8n_extra_environment.{name} must be one line of text, got {shown(value)}")
    return problems


def _control_errors(settings: dict[str, t.Any]) -> list[str]:
    """The control node's settings: which commit, which inventory, where packages come from, the report's timer."""
    problems = []
    version = settings.get("n8n_project_version", "")
    if not isinstance(version, str) or (version and not _REVISION.fullmatch(version)):
        problems.append(f"n8n_project_version must be '' (the controller's HEAD) or a commit, tag or branch name, got {shown(version)}")
    inventory = settings.get("n8n_project_inventory", "")
    if not isinstance(inventory, str) or (inventory and (not _RELATIVE.fullmatch(inventory) or ".." in inventory.split("/"))):
        problems.append(f"n8n_project_inventory must be '' or a path inside the repository such as inventories/prod, got {shown(inventory)}")
    keep = integer(settings.get("n8n_project_keep"))
    if keep is None or not 1 <= keep <= 50:
        problems.append(f"n8n_project_keep must be a number of releases from 1 to 50, got {shown(settings.get('n8n_project_keep'))}")
    index = settings.get("n8n_pip_index_url")
    if not isinstance(index, str) or not re.fullmatch(r"(https?|file)://[^\s'\"]+", index):
        problems.append(f"n8n_pip_index_url must be a package index URL such as https://pypi.org/simple, got {shown(index)}")
    calendar = settings.get("n8n_summary_on_calendar")
    if not isinstance(calendar, str) or not re.fullmatch(r"[A-Za-z0-9 *:,./~-]{1,100}", calendar):
        problems.append(f"n8n_summary_on_calendar must be a systemd calendar expression such as '*-*-* 06:00:00', got {shown(calendar)}")
    keep = integer(settings.get("n8n_summary_keep"))
    if keep is None or not 1 <= keep <= 3650:
        problems.append(f"n8n_summary_keep must be a number of reports from 1 to 3650, got {shown(settings.get('n8n_summary_keep'))}")
    return problems


def environment(settings: dict[str, t.Any]) -> str:
    """n8n's environment file (systemd's EnvironmentFile and the CLI wrapper's `. file`): quiet, local, one address."""
    values: dict[str, t.Any] = {
        "NODE_ENV": "production",
        "HOME": settings["home"],
        # n8n starts its JavaScript task runner (Code nodes) as `node` from PATH: the pinned runtime first.
        "PATH": f"{settings['node']}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        # Stop within the unit's TimeoutStopSec rather than be killed.
        "N8N_GRACEFUL_SHUTDOWN_TIMEOUT": "20",
        "N8N_USER_FOLDER": settings["home"],
        "N8N_LISTEN_ADDRESS": settings["address"],
        "N8N_PORT": settings["port"],
        "N8N_HOST": settings["address"],
        "N8N_PROTOCOL": "http",
        # Plain HTTP on the overlay: a Secure cookie would never come back.
        "N8N_SECURE_COOKIE": "false",
        "N8N_ENCRYPTION_KEY_FILE": settings["key_file"],
        "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS": "true",
        # n8n 2.x excludes Execute Command by default; the nova workflow needs it. Local File Trigger stays off.
        "NODES_EXCLUDE": '["n8n-nodes-base.localFileTrigger"]',
        "N8N_METRICS": "true",
        "N8N_DIAGNOSTICS_ENABLED": "false",
        "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
        "N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED": "false",
        "N8N_PERSONALIZATION_ENABLED": "false",
        "N8N_TEMPLATES_ENABLED": "false",
        "N8N_HIRING_BANNER_ENABLED": "false",
        "N8N_DYNAMIC_BANNERS_ENABLED": "false",
        "N8N_PUBLIC_API_DISABLED": "true",
        "N8N_COMMUNITY_PACKAGES_ENABLED": "false",
        "N8N_PYTHON_ENABLED": "false",
        "N8N_RUNNERS_BROKER_LISTEN_ADDRESS": "127.0.0.1",
        "GENERIC_TIMEZONE": "UTC",
        "N8N_LOG_LEVEL": "info",
        **{str(k): v for k, v in dict(settings.get("extra") or {}).items()},
    }
    lines = ["# Written by nova.dgx.n8n (roles/n8n): n8n's environment, no secret (the key is a file)."]
    for name, value in values.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        lines.append(f"{name}='{text}'" if "'" not in text else f'{name}="{text}"')
    return "\n".join(lines) + "\n"


def workflow(text: str, run_command: str, notify_url: str, webhook_path: str, credential_id: str, credential_name: str) -> dict[str, t.Any]:
    """The workflow as the role imports it: the placeholders filled (in the parsed JSON, so a value cannot break out of
    a string) and the webhook's path set."""
    document = json.loads(text)
    values = dict(zip(PLACEHOLDERS, (run_command, notify_url, credential_id, credential_name)))

    def fill(node: t.Any) -> t.Any:
        if isinstance(node, str):
            for placeholder, value in values.items():
                node = node.replace(placeholder, value)
            return node
        if isinstance(node, list):
            return [fill(item) for item in node]
        if isinstance(node, dict):
            return {key: fill(value) for key, value in node.items()}
        return node

    filled = fill(document)
    for node in filled.get("nodes", []):
        if node.get("type") == "n8n-nodes-base.webhook":
            node.setdefault("parameters", {})["path"] = webhook_path
    if not notify_url:  # no target: no notification node, rather than one that fails on every run
        filled["nodes"] = [node for node in filled.get("nodes", []) if node.get("name") != "Notify"]
        filled["connections"] = {source: {kind: [[link for link in output if link.get("node") != "Notify"] for output in outputs]
                                          for kind, outputs in links.items()}
                                 for source, links in filled.get("connections", {}).items() if source != "Notify"}
    leftover = [p for p in PLACEHOLDERS if p in json.dumps(filled)]
    if leftover:
        raise ValueError(f"the workflow still has {', '.join(leftover)} after filling")
    return filled


def workflow_differences(exported: object, wanted: dict[str, t.Any]) -> list[str]:
    """Why the workflow must be imported again: n8n's export (a JSON list or object) against the role's workflow. Empty
    when they agree and the workflow is published at its current version."""
    try:
        document = json.loads(exported) if isinstance(exported, str) else exported
    except ValueError:
        return ["n8n's export is not JSON"]
    if isinstance(document, list):
        document = document[0] if document else None
    if not isinstance(document, dict):
        return ["the workflow is not in n8n"]
    found = [field for field in COMPARED if _normal(document.get(field)) != _normal(wanted.get(field))]
    if not document.get("active") or document.get("activeVersionId") != document.get("versionId"):
        found.append("not published at its current version")
    return found


def _normal(value: t.Any) -> t.Any:
    """n8n sorts nothing for us: compare nodes by name, and mappings regardless of key order."""
    if isinstance(value, list) and all(isinstance(item, dict) and "name" in item for item in value):
        return sorted((json.dumps(item, sort_keys=True) for item in value))
    return json.dumps(value, sort_keys=True)
