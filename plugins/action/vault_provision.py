# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova.dgx.vault_provision: the platform's mount, policies and AppRoles (see plugins/modules/vault_provision.py)."""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.nova.dgx.plugins.plugin_utils._secret import SecretError, connection_errors
from ansible_collections.nova.dgx.plugins.plugin_utils._vault_connection import NO_ADDRESS, controller_connection
from ansible_collections.nova.dgx.plugins.plugin_utils._vault_provision import provision, provision_errors, seconds, wrapped_secret_id
from ansible_collections.nova.dgx.plugins.plugin_utils._vault_seed import seed, seed_errors

ARGS = {"mount", "policies", "approles", "wrap_secret_id_for", "wrap_ttl", "provided"}


class ActionModule(ActionBase):
    """Runs on the controller with the operator's token; never contacts the host."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result = super().run(tmp, task_vars)
        args = self._task.args
        unknown = sorted(set(args) - ARGS)
        if unknown:
            return {**result, "failed": True, "msg": f"nova.dgx.vault_provision takes only {', '.join(sorted(ARGS))}, not {', '.join(unknown)}"}
        conn = controller_connection(task_vars or {}, self._templar.template)
        wrap_for = args.get("wrap_secret_id_for") or ""
        if wrap_for and not self._task.no_log:
            return {**result, "failed": True, "msg": "nova.dgx.vault_provision with wrap_secret_id_for must run with no_log: true"}
        errors = provision_errors(args.get("mount"), args.get("policies") or {}, args.get("approles") or {})
        if wrap_for and wrap_for not in (args.get("approles") or {}):
            errors.append(f"wrap_secret_id_for {wrap_for!r} is not among the AppRoles given")
        if seconds(args.get("wrap_ttl", "120s")) is None:
            errors.append(f"wrap_ttl must be a duration such as 120s, not {args.get('wrap_ttl')!r}")
        provided = args.get("provided") or {}
        errors += seed_errors(provided)
        errors += connection_errors(conn) if conn.url else [NO_ADDRESS]
        if errors:
            return {**result, "failed": True, "msg": "; ".join(errors)}
        check_mode = bool(self._play_context.check_mode)
        try:
            changes = provision(conn, str(args["mount"]), dict(args.get("policies") or {}), dict(args.get("approles") or {}), check_mode)
            changes += [f"seeded {path}" for path in seed(conn, str(args["mount"]), dict(provided), check_mode)] if provided else []
            out: dict[str, t.Any] = {"changed": bool(changes), "changes": changes}
            if wrap_for and not check_mode:
                out.update(wrapped_secret_id(conn, wrap_for, str(args.get("wrap_ttl", "120s")),
                                             {"host": str((task_vars or {}).get("inventory_hostname", ""))}))
                out["changed"] = True
        except SecretError as exc:
            if check_mode and exc.unavailable:
                # A fleet whose secrets layer has not run yet (or a sealed server): predict, never fail.
                return {**result, "changed": True, "changes": ["(the secrets server is not there to ask: " + str(exc).split(":", maxsplit=1)[0] + ")"]}
            return {**result, "failed": True, "msg": f"nova.dgx.vault_provision: {exc}"}
        return {**result, **out}
