# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova.dgx.vault's provisioning, converged from the controller through hvac: the platform's KV v2
mount, one policy per consuming role, one AppRole per host. Reads first and writes only what
differs, so a converged server reports no change."""

from __future__ import annotations

import ipaddress
import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._secret import Connection, SecretError, _translated, client

_DURATION = re.compile(r"^(?P<n>\d+)(?P<unit>[smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
APPROLE_FIELDS = {"token_policies", "token_ttl", "token_max_ttl", "secret_id_ttl", "secret_id_num_uses", "token_bound_cidrs",
                  "secret_id_bound_cidrs"}
_DURATIONS = ("token_ttl", "token_max_ttl", "secret_id_ttl")


def seconds(value: t.Any) -> int | None:
    """A duration (an integer of seconds, or '90s', '15m', '1h', '7d') in seconds; None when malformed."""
    match = _DURATION.match(str(value).strip()) if not isinstance(value, bool) else None
    return int(match["n"]) * _UNITS[match["unit"]] if match else None


def provision_errors(mount: t.Any, policies: t.Any, approles: t.Any) -> list[str]:
    """What is wrong with the desired state, each naming the field."""
    errors: list[str] = []
    if not isinstance(mount, str) or not _NAME.match(mount):
        errors.append(f"vault_kv_mount must be a mount name such as nova, not {mount!r}")
    if not isinstance(policies, dict):
        return errors + [f"vault_policies must be a mapping of policy name to HCL, not {type(policies).__name__}"]
    for name, text in policies.items():
        if not _NAME.match(str(name)) or name in ("root", "default"):
            errors.append(f"vault_policies: {name!r} is not a policy name this role may manage (letters, digits, _ . -; not root or default)")
        elif not isinstance(text, str) or "path " not in text:
            errors.append(f"vault_policies.{name} must be HCL with at least one path block")
    if not isinstance(approles, dict):
        return errors + [f"vault_approles must be a mapping of role name to settings, not {type(approles).__name__}"]
    for name, spec in approles.items():
        where = f"vault_approles.{name}"
        if not _NAME.match(str(name)):
            errors.append(f"{where}: the name must be letters, digits, _ . -")
            continue
        if not isinstance(spec, dict):
            errors.append(f"{where} must be a mapping with token_policies")
            continue
        unknown = sorted(set(spec) - APPROLE_FIELDS)
        if unknown:
            errors.append(f"{where} has {', '.join(unknown)}; allowed: {', '.join(sorted(APPROLE_FIELDS))}")
        wanted = spec.get("token_policies")
        if not isinstance(wanted, list) or not wanted:
            errors.append(f"{where}.token_policies must list at least one policy")
        elif policies:  # with no policies given, the caller manages AppRoles only: provision checks the server has them
            missing = [p for p in wanted if p not in policies and p != "default"]
            if missing:
                errors.append(f"{where}.token_policies names {', '.join(map(str, missing))}, which vault_policies does not define")
        errors += [f"{where}.{field} must be a duration such as 3600, 15m or 1h, not {spec[field]!r}"
                   for field in _DURATIONS if field in spec and seconds(spec[field]) is None]
    return errors


def _cidrs(values: t.Any) -> list[str]:
    """CIDRs in one spelling: the server answers 127.0.0.1 for a 127.0.0.1/32 it was given."""
    out = []
    for value in values or []:
        try:
            out.append(str(ipaddress.ip_network(str(value), strict=False)))
        except ValueError:
            out.append(str(value))
    return sorted(out)


def _approle_wanted(spec: dict[str, t.Any]) -> dict[str, t.Any]:
    wanted: dict[str, t.Any] = {"token_policies": sorted(spec["token_policies"]), "token_ttl": seconds(spec.get("token_ttl", "1h")),
                                "token_max_ttl": seconds(spec.get("token_max_ttl", "4h")),
                                "secret_id_ttl": seconds(spec.get("secret_id_ttl", "0")),
                                "secret_id_num_uses": int(spec.get("secret_id_num_uses", 0)),
                                "token_bound_cidrs": _cidrs(spec.get("token_bound_cidrs")),
                                "secret_id_bound_cidrs": _cidrs(spec.get("secret_id_bound_cidrs"))}
    return wanted


def _approle_current(data: dict[str, t.Any]) -> dict[str, t.Any]:
    return {"token_policies": sorted(data.get("token_policies") or []), "token_ttl": data.get("token_ttl"),
            "token_max_ttl": data.get("token_max_ttl"), "secret_id_ttl": data.get("secret_id_ttl"),
            "secret_id_num_uses": data.get("secret_id_num_uses"), "token_bound_cidrs": _cidrs(data.get("token_bound_cidrs")),
            "secret_id_bound_cidrs": _cidrs(data.get("secret_id_bound_cidrs"))}


def provision(conn: Connection, mount: str, policies: dict[str, str], approles: dict[str, dict[str, t.Any]],
              check_mode: bool = False) -> list[str]:
    """Converge the server; return what changed (or would), by name only."""
    import hvac.exceptions  # pylint: disable=import-outside-toplevel  # _secret reports a missing hvac first

    api = client(conn)
    changes: list[str] = []
    with _translated(conn, "read the mounts", "(sys/mounts)"):
        mounts = api.sys.list_mounted_secrets_engines()["data"]
    current = mounts.get(f"{mount}/")
    if current is None:
        changes.append(f"mount {mount} (kv v2)")
        if not check_mode:
            with _translated(conn, "enable the KV mount", mount):
                api.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"}, description="nova.dgx platform secrets")
    elif current.get("type") != "kv" or str((current.get("options") or {}).get("version")) != "2":
        raise SecretError(f"{mount}/ is mounted as {current.get('type')} {current.get('options')}, not KV v2: "
                          "choose another vault_kv_mount or move that mount (docs/runbooks/vault.md)")
    for name, text in sorted(policies.items()):
        with _translated(conn, "read the policy", name):
            try:
                have = api.sys.read_policy(name)["data"]["rules"]
            except hvac.exceptions.InvalidPath:
                have = None
        if (have or "").strip() != text.strip():
            changes.append(f"policy {name}")
            if not check_mode:
                with _translated(conn, "write the policy", name):
                    api.sys.create_or_update_policy(name, text)
    if approles:
        with _translated(conn, "read the auth methods", "(sys/auth)"):
            methods = api.sys.list_auth_methods()["data"]
        if "approle/" not in methods:
            changes.append("auth approle")
            if not check_mode:
                with _translated(conn, "enable AppRole auth", "approle/"):
                    api.sys.enable_auth_method("approle")
    for name, spec in sorted(approles.items()):
        wanted = _approle_wanted(spec)
        for policy in [p for p in wanted["token_policies"] if p not in policies and p != "default"]:
            with _translated(conn, "read the policy", policy):
                try:
                    api.sys.read_policy(policy)
                except hvac.exceptions.InvalidPath:
                    raise SecretError(f"the AppRole {name} needs the policy {policy}, which the server does not have: "
                                      "run the secrets layer (playbooks/secrets.yml) first") from None
        with _translated(conn, "read the AppRole", name):
            try:
                have_role: dict[str, t.Any] | None = _approle_current(api.auth.approle.read_role(name)["data"])
            except hvac.exceptions.InvalidPath:
                have_role = None
        if have_role != wanted:
            changes.append(f"approle {name}")
            if not check_mode:
                with _translated(conn, "write the AppRole", name):
                    api.auth.approle.create_or_update_approle(name, **wanted)
    return changes


def wrapped_secret_id(conn: Connection, role: str, wrap_ttl: str, metadata: dict[str, str]) -> dict[str, str]:
    """A new secret id for the AppRole, response-wrapped: the controller holds only a single-use
    wrapping token (valid for wrap_ttl) that the host unwraps itself. Returns {role_id, wrapping_token}."""
    api = client(conn)
    with _translated(conn, "read the AppRole's role id", role):
        role_id = api.auth.approle.read_role_id(role)["data"]["role_id"]
    with _translated(conn, "issue a wrapped secret id for", role):
        answer = api.auth.approle.generate_secret_id(role, metadata=metadata, wrap_ttl=wrap_ttl)
    return {"role_id": str(role_id), "wrapping_token": str(answer["wrap_info"]["token"])}
