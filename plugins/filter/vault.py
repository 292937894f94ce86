# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for the secrets layer's preflight (roles/vault) and its secret entry point."""

from __future__ import annotations

import ipaddress
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._vault import init_errors, path_errors, pgp_base64, policy_errors, san_errors


def vault_init_errors(settings: dict[str, t.Any]) -> list[str]:
    """settings: shares, threshold, pgp_keys, root_token_pgp_key, unencrypted_ok, seal."""
    return init_errors(settings.get("shares"), settings.get("threshold"), list(settings.get("pgp_keys") or []),
                       settings.get("root_token_pgp_key") or None, bool(settings.get("unencrypted_ok")), str(settings.get("seal")))


def vault_sans(names: list[str]) -> list[str]:
    """subjectAltName entries: IP:<address> for addresses, DNS:<name> otherwise."""
    out = []
    for name in names:
        try:
            ipaddress.ip_address(str(name))
            out.append(f"IP:{name}")
        except ValueError:
            out.append(f"DNS:{name}")
    return out


def vault_key_files(keys: list[str], directory: str, prefix: str) -> list[dict[str, str]]:
    """nova.dgx.files entries that put public keys at <directory>/<prefix>-<n>.b64, for -pgp-keys."""
    return [{"path": f"{directory}/{prefix}-{index}.b64", "content": f"{key}\n", "owner": "root", "group": "root", "mode": "0644"}
            for index, key in enumerate(keys)]


def vault_policies(consumers: list[str], mount: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """One policy per consuming role (its own subtree of the mount: create, read, update; nothing
    else), runner (every consumer's subtree, as the playbooks it starts read them), snapshot (raft
    snapshots only); plus the site's own."""
    def subtree(name: str) -> str:
        return (f'path "{mount}/data/{name}/*" {{\n  capabilities = ["create", "read", "update"]\n}}\n'
                f'path "{mount}/metadata/{name}/*" {{\n  capabilities = ["read", "list"]\n}}\n')
    policies = {name: subtree(name) for name in consumers}
    policies["runner"] = "".join(subtree(name) for name in consumers)
    policies["snapshot"] = 'path "sys/storage/raft/snapshot" {\n  capabilities = ["read"]\n}\n'
    return {**policies, **(extra or {})}


class FilterModule:
    """nova.dgx secrets-layer filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"vault_init_errors": vault_init_errors, "vault_san_errors": san_errors, "vault_path_errors": path_errors,
                "vault_policy_errors": policy_errors, "vault_pgp_base64": pgp_base64,
                "vault_sans": vault_sans, "vault_key_files": vault_key_files, "vault_policies": vault_policies}
