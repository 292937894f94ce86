# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova.dgx.checks: evaluate a list of checks on the controller (see plugins/modules/checks.py)."""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.nova.dgx.plugins.plugin_utils._checks import CheckError, evaluate, summary


class ActionModule(ActionBase):
    """Never contacts the host: the probes ran before, the checks only judge what they read."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result = super().run(tmp, task_vars)
        unknown = sorted(set(self._task.args) - {"checks"})
        if unknown:
            return {**result, "failed": True, "msg": f"nova.dgx.checks takes only 'checks', not {', '.join(unknown)}"}
        try:
            rows = evaluate(self._task.args.get("checks"))
        except CheckError as exc:
            return {**result, "failed": True, "msg": f"nova.dgx.checks: {exc}"}
        failed, message = summary(rows)
        return {**result, "changed": False, "failed": failed, "msg": message, "checks": rows}
