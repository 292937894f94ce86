# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova.dgx.files: render a role's templates on the controller, then converge them and its other
files and directories on the host in one module run (see plugins/modules/files.py)."""

from __future__ import annotations

import os
import typing as t

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible.template import trust_as_template
from ansible._internal._templating import _template_vars

from ansible_collections.nova.dgx.plugins.module_utils._files import FilesError, check_entry

SOURCES = ("template", "src", "content")
KEYS = {"path", "state", "mode", "owner", "group", "validate", *SOURCES}
# The same rendering options as ansible.builtin.template's defaults.
OVERRIDES = {
    "block_start_string": "{%",
    "block_end_string": "%}",
    "variable_start_string": "{{",
    "variable_end_string": "}}",
    "comment_start_string": "{#",
    "comment_end_string": "#}",
    "trim_blocks": True,
    "lstrip_blocks": False,
    "newline_sequence": "\n",
}


class ActionModule(ActionBase):
    """Renders on the controller; the host sees only finished text and one module run."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def _render(self, name: str, dest: str, task_vars: dict[str, t.Any]) -> str:
        source = self._find_needle("templates", name)
        data = trust_as_template(self._loader.get_text_file_contents(source))
        searchpath = [*task_vars.get("ansible_search_path", []), self._loader._basedir, os.path.dirname(source)]
        searchpath = [p for base in searchpath for p in (os.path.join(base, "templates"), base)]
        variables = task_vars.copy()
        variables.update(_template_vars.generate_ansible_template_vars(
            path=name, fullpath=source, dest_path=dest, include_ansible_managed="ansible_managed" not in variables,
        ))
        templar = self._templar.copy_with_new_env(searchpath=searchpath, available_variables=variables)
        rendered = templar.template(data, escape_backslashes=False, overrides=OVERRIDES)
        return "" if rendered is None else str(rendered)

    def _read(self, name: str) -> str:
        source = self._find_needle("files", name)
        with open(source, "rb") as handle:
            raw = handle.read()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FilesError(f"src {name} is not UTF-8 text; ship binaries through nova.dgx.base's artifact entry point") from None

    def _entry(self, entry: t.Any, task_vars: dict[str, t.Any]) -> dict[str, t.Any]:
        if not isinstance(entry, dict):
            raise FilesError(f"each entry must be a mapping, not {entry!r}")
        path = entry.get("path")
        unknown = sorted(set(entry) - KEYS)
        if unknown:
            raise FilesError(f"{path}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(KEYS))}")
        given = [key for key in SOURCES if entry.get(key) is not None]
        state = entry.get("state", "file")
        if state == "file" and len(given) != 1:
            raise FilesError(f"{path}: give exactly one of template, src or content (given: {', '.join(given) or 'none'})")
        if state != "file" and given:
            raise FilesError(f"{path}: a {state} entry takes no {given[0]}")
        out = {key: value for key, value in entry.items() if key not in SOURCES and value is not None}
        if state == "file":
            if given[0] == "template":
                out["content"] = self._render(str(entry["template"]), str(path), task_vars)
            elif given[0] == "src":
                out["content"] = self._read(str(entry["src"]))
            else:
                out["content"] = str(entry["content"])
        if "mode" in out:
            out["mode"] = str(out["mode"])
        check_entry(out)
        return out

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        unknown = sorted(set(self._task.args) - {"files"})
        if unknown:
            return {**result, "failed": True, "msg": f"nova.dgx.files takes only 'files', not {', '.join(unknown)}"}
        entries = self._task.args.get("files")
        if not isinstance(entries, list) or not entries:
            return {**result, "failed": True, "msg": "nova.dgx.files: files must be a non-empty list of entries"}
        try:
            module_entries = [self._entry(entry, task_vars) for entry in entries]
        except (FilesError, AnsibleError) as exc:
            return {**result, "failed": True, "msg": f"nova.dgx.files: {exc}"}
        result.update(self._execute_module(module_name="nova.dgx.files", module_args={"files": module_entries}, task_vars=task_vars))
        return result
