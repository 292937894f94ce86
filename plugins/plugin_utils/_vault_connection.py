# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the controller reaches Vault/OpenBao: one place for nova.dgx.secret and nova.dgx.vault_provision."""

from __future__ import annotations

import os
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._secret import ROLE_ID_ENV, SECRET_ID_ENV, Connection, first_env, token_from

DEFAULT_CACERT = "~/.nova-dgx/vault-ca.pem"
NO_ADDRESS = ("vault_addr is not set (nor VAULT_ADDR): set it in group_vars/all to the server's URL, "
              "such as https://10.77.0.2:8200 (docs/roles/vault.md)")


def controller_connection(variables: dict[str, t.Any], template: t.Callable[[t.Any], t.Any]) -> Connection:
    """The controller's way to the server: the same variables and environment as nova.dgx.secret
    (task variables arrive untemplated: each is templated here)."""
    environ = os.environ

    def var(name: str) -> str:
        return str(template(variables[name]) or "") if name in variables else ""

    return Connection(
        url=var("vault_addr") or environ.get("VAULT_ADDR", ""),
        cacert=var("vault_cacert") or environ.get("VAULT_CACERT", "") or DEFAULT_CACERT,
        token=token_from(environ, var("vault_token_file") or "~/.vault-token"),
        role_id=first_env(ROLE_ID_ENV, environ),
        secret_id=first_env(SECRET_ID_ENV, environ),
        approle_mount=var("vault_approle_mount") or "approle",
    )
