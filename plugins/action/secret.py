# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova.dgx.secret: one platform secret from Vault/OpenBao, created on first use or, when provided, only read (see plugins/modules/secret.py)."""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.nova.dgx.plugins.plugin_utils._secret import (
    DEFAULT_POLICY, SecretError, connection_errors, is_provided, read_or_create, request_errors,
)
from ansible_collections.nova.dgx.plugins.plugin_utils._vault import generate
from ansible_collections.nova.dgx.plugins.plugin_utils._vault_connection import NO_ADDRESS, controller_connection

ARGS = {"path", "policy", "key", "mount"}


class ActionModule(ActionBase):
    """Runs on the controller: the host is never contacted and no value is sent to it here."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result = super().run(tmp, task_vars)
        variables = task_vars or {}
        args = self._task.args
        if not self._task.no_log:
            # The value is in the result: without no_log it would reach the screen, -vvv and callbacks.
            return {**result, "failed": True, "msg": "nova.dgx.secret must run with no_log: true on the task"}
        unknown = sorted(set(args) - ARGS)
        mount = str(args.get("mount") or (self._templar.template(variables["vault_kv_mount"]) if "vault_kv_mount" in variables else "nova"))
        request_problems = ([f"nova.dgx.secret takes only {', '.join(sorted(ARGS))}, not {', '.join(unknown)}"] if unknown else [])
        policy = args.get("policy", DEFAULT_POLICY)
        request_problems += request_errors(args.get("path"), policy, args.get("key", "value"), mount)
        conn = controller_connection(variables, self._templar.template)
        if not conn.url:
            request_problems.append(NO_ADDRESS)
        # Not there yet (no CA fetched, no token): check mode on a fleet whose secrets layer never ran.
        errors = connection_errors(conn) if conn.url else []
        check_mode = bool(self._play_context.check_mode)
        if request_problems:
            return {**result, "failed": True, "msg": "; ".join(request_problems)}
        path, key = str(args["path"]), str(args.get("key", "value"))
        if errors and not check_mode:
            return {**result, "failed": True, "msg": "; ".join(errors)}
        try:
            if errors:
                raise SecretError("; ".join(errors), unavailable=True)
            found = read_or_create(conn, mount, path, key, dict(policy), check_mode=check_mode)
        except SecretError as exc:
            if check_mode and exc.unavailable and is_provided(policy):
                # Nothing to predict: the value is someone else's. A real run reads it, and fails if it is missing.
                return {**result, "changed": False, "secret": "", "created": False, "version": 0, "path": f"{mount}/{path}",
                        "warnings": [f"check mode: {mount}/{path} was not read ({exc}); a real run reads the provided field {key!r} "
                                     "and fails if it is missing"]}
            if check_mode and exc.unavailable:
                # A fleet whose secrets layer has not run yet: predict, never fail, never store.
                return {**result, "changed": True, "secret": generate(dict(policy)), "created": False, "would_create": True,
                        "version": 0, "path": f"{mount}/{path}",
                        "warnings": [f"check mode: {mount}/{path} was not read ({exc}); a real run reads or creates it"]}
            return {**result, "failed": True, "msg": f"nova.dgx.secret {mount}/{path}: {exc}"}
        return {**result, "changed": bool(found["created"] or found.get("would_create")), "path": f"{mount}/{path}", **found}
