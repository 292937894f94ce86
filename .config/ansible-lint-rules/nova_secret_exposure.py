"""nova.dgx house rule: no secret in a failure message or a task environment.

ansible-core 2.19 prints fail/assert messages even under no_log, and -vvv prints a task's
environment values, so a variable whose name looks secret may not appear in either. Secrets
reach a command on stdin or in a file (mode 0600), never in its environment or an error."""

from __future__ import annotations

import re
import typing as t

from ansiblelint.rules import AnsibleLintRule

if t.TYPE_CHECKING:
    from ansiblelint.file_utils import Lintable
    from ansiblelint.utils import Task

# The journal's own notion of a secret-looking name (plugins/plugin_utils/_journal_mask.py).
SECRET_NAME = re.compile(
    r"(pass(word|wd|phrase)?|secret|token|private_?key|api_?key|access_?key|credential|cookie|session_?key|pwd|vault_pass"
    r"|preshared_?key|psk|(?<!public)(?<!pub)_key\b)",
    re.I,
)
JINJA = re.compile(r"{{(.*?)}}|{%(.*?)%}", re.S)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MESSAGE_ARGS = {
    "fail": ("msg",),
    "assert": ("fail_msg", "msg", "success_msg"),
}


def secret_references(value: t.Any) -> list[str]:
    """Names that look secret in the Jinja expressions of a value (strings, lists, mappings)."""
    if isinstance(value, dict):
        return [name for item in value.values() for name in secret_references(item)]
    if isinstance(value, list):
        return [name for item in value for name in secret_references(item)]
    if not isinstance(value, str):
        return []
    found = []
    for match in JINJA.finditer(value):
        expression = match.group(1) or match.group(2) or ""
        # String literals are text, not variables: "'password is wrong'" names nothing.
        expression = re.sub(r"'[^']*'|\"[^\"]*\"", "", expression)
        found += [name for name in NAME.findall(expression) if SECRET_NAME.search(name)]
    return found


class NovaSecretExposure(AnsibleLintRule):
    """A secret-looking variable in a failure message or a task environment."""

    id = "nova-secret-exposure"
    description = (
        "fail/assert messages are printed even under no_log and -vvv prints task environments: "
        "never put a password, token or key there; pass it on stdin or in a 0600 file."
    )
    severity = "HIGH"
    tags = ["nova", "security"]
    version_changed = "1.0.0"

    def matchtask(self, task: Task, file: Lintable | None = None) -> bool | str:
        action = str(task["action"]["__ansible_module__"]).rsplit(".", 1)[-1]
        for arg in MESSAGE_ARGS.get(action, ()):
            names = secret_references(task["action"].get(arg))
            if names:
                return f"{action} {arg} names {', '.join(sorted(set(names)))}: a failure message is printed even under no_log"
        environment = task.raw_task.get("environment")
        names = secret_references(environment) + [str(k) for k in (environment or {}) if isinstance(environment, dict) and SECRET_NAME.search(str(k))]
        if names:
            return f"environment holds {', '.join(sorted(set(names)))}: -vvv prints task environments; pass it on stdin or in a 0600 file"
        return False
