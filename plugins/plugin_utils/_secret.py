# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The secret entry point's controller side: read one platform secret from Vault or OpenBao (KV v2),
creating it on first use, or, for a secret someone else issues (policy kind ``provided``), only
reading it. Talks to the server through hvac; never prints a value or a token, and turns each way
the server can fail into a message that names the fix."""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass

from ansible_collections.nova.dgx.plugins.plugin_utils._vault import generate, path_errors, policy_errors

try:
    import hvac
    import hvac.exceptions
    import requests.exceptions
except ImportError:  # pragma: no cover - the message below says what to install
    hvac = None

DEFAULT_POLICY: dict[str, t.Any] = {"kind": "password", "length": 32, "alphabet": "alnum"}
# A secret issued outside the platform (an S3 access key from the storage provider): read, never generated.
PROVIDED = "provided"
# The environment variables community.hashi_vault and the bao/vault CLIs read, in their order.
TOKEN_ENV = ("ANSIBLE_HASHI_VAULT_TOKEN", "VAULT_TOKEN", "BAO_TOKEN")
ROLE_ID_ENV = ("ANSIBLE_HASHI_VAULT_ROLE_ID",)
SECRET_ID_ENV = ("ANSIBLE_HASHI_VAULT_SECRET_ID",)


class SecretError(Exception):
    """A secret could not be read or created; the message names the cause and the fix, never a value.
    ``unavailable``: the server is not there to ask (unreachable, sealed, not initialised), which
    check mode on a fleet whose secrets layer has not run yet tolerates."""

    def __init__(self, message: str, unavailable: bool = False) -> None:
        super().__init__(message)
        self.unavailable = unavailable


@dataclass(frozen=True)
class Connection:
    """Where the server is and who the controller is to it."""

    url: str
    cacert: str
    token: str = ""
    role_id: str = ""
    secret_id: str = ""
    approle_mount: str = "approle"
    timeout: int = 15


def first_env(names: tuple[str, ...], environ: t.Mapping[str, str]) -> str:
    """The first of these variables that is set and not empty."""
    return next((environ[name] for name in names if environ.get(name)), "")


def token_from(environ: t.Mapping[str, str], token_file: str) -> str:
    """A token from the environment, else from the CLI's token file (~/.vault-token), else ''."""
    token = first_env(TOKEN_ENV, environ)
    if token:
        return token.strip()
    path = os.path.expanduser(token_file)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    return ""


def connection_errors(conn: Connection) -> list[str]:
    """What is wrong with the connection settings, before anything is sent."""
    errors = []
    if not conn.url.startswith(("https://", "http://")):
        errors.append(f"vault_addr must be the server's URL such as https://10.77.0.2:8200, not {conn.url!r}")
    elif conn.url.startswith("http://") and not conn.url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
        errors.append(f"vault_addr {conn.url!r} is plain HTTP to another host: tokens and secrets would cross the network in clear; use https://")
    if conn.url.startswith("https://") and (not conn.cacert or not os.path.isfile(os.path.expanduser(conn.cacert))):
        errors.append(f"vault_cacert {conn.cacert!r} is not a file on the controller: fetch the server's CA certificate "
                      "(nova.dgx.vault writes it to vault_controller_cacert) or set vault_cacert")
    if not conn.token and not (conn.role_id and conn.secret_id):
        errors.append("no Vault credentials on the controller: set VAULT_TOKEN (or log in with `bao login`, which writes "
                      "~/.vault-token), or ANSIBLE_HASHI_VAULT_ROLE_ID and ANSIBLE_HASHI_VAULT_SECRET_ID for an AppRole")
    return errors


def is_provided(policy: t.Any) -> bool:
    """Whether the policy says the value is provided by someone else, so it is read and never generated."""
    return isinstance(policy, dict) and policy.get("kind") == PROVIDED


def request_errors(path: t.Any, policy: t.Any, key: t.Any, mount: str) -> list[str]:
    """What is wrong with one request (path, generation policy or {kind: provided}, key), before anything is sent."""
    if is_provided(policy):
        extra = sorted(set(policy) - {"kind"})
        policy_problems = [f"policy has {', '.join(extra)}, which a provided secret does not take (it is never generated)"] if extra else []
    else:
        policy_problems = policy_errors("policy", policy)
    errors = path_errors("path", path, mount) + policy_problems
    if not isinstance(key, str) or not key or not key.replace("_", "").isalnum():
        errors.append(f"key must be a field name of letters, digits and _, not {key!r}")
    return errors


def client(conn: Connection) -> t.Any:
    """An authenticated hvac client."""
    if hvac is None:
        raise SecretError("hvac is not installed on the controller: pip install -r requirements.txt (hvac==2.4.0)")
    verify: bool | str = os.path.expanduser(conn.cacert) if conn.url.startswith("https://") else False
    api = hvac.Client(url=conn.url, verify=verify, timeout=conn.timeout)
    with _translated(conn, "log in"):
        if conn.token:
            api.token = conn.token
        else:
            api.auth.approle.login(role_id=conn.role_id, secret_id=conn.secret_id, mount_point=conn.approle_mount)
    return api


class _translated:
    """Turns hvac's and requests' exceptions into a SecretError naming what to do."""

    def __init__(self, conn: Connection, doing: str, where: str = "") -> None:
        self.conn, self.doing, self.where = conn, doing, where

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: t.Any, exc: BaseException | None, trace: t.Any) -> None:
        if exc is None or hvac is None:
            return
        url, where = self.conn.url, f" {self.where}" if self.where else ""
        if isinstance(exc, hvac.exceptions.VaultDown):
            raise SecretError(f"Vault at {url} is sealed: nothing can {self.doing}{where}. Unseal it "
                              "(docs/runbooks/vault.md, 'Unseal after a reboot'), then rerun", unavailable=True) from None
        if isinstance(exc, hvac.exceptions.VaultNotInitialized):
            raise SecretError(f"Vault at {url} is not initialised: run playbooks/secrets.yml (docs/runbooks/vault.md, "
                              "'First initialisation')", unavailable=True) from None
        if isinstance(exc, hvac.exceptions.Forbidden):
            raise SecretError(f"Vault at {url} denied the controller's token to {self.doing}{where}: the token is expired, "
                              "revoked or its policy lacks this path; log in again or grant the path in the role's policy "
                              "(docs/runbooks/vault.md)") from None
        if isinstance(exc, hvac.exceptions.InvalidPath) and self.doing == "log in":
            raise SecretError(f"Vault at {url} has no AppRole auth at {self.conn.approle_mount}/: run nova.dgx.vault's provisioning") from None
        if isinstance(exc, hvac.exceptions.InvalidRequest) and self.doing == "log in":
            raise SecretError(f"Vault at {url} refused the AppRole credentials (role or secret id wrong or expired)") from None
        if isinstance(exc, requests.exceptions.SSLError):
            raise SecretError(f"Vault at {url} has a certificate that vault_cacert {self.conn.cacert!r} does not vouch for: "
                              "fetch the CA again or correct vault_addr's host name") from None
        if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
            raise SecretError(f"Vault at {url} is unreachable ({type(exc).__name__}): is the server running "
                              "(systemctl status openbao) and is vault_addr right?", unavailable=True) from None
        if isinstance(exc, hvac.exceptions.VaultError):
            raise SecretError(f"Vault at {url} refused to {self.doing}{where}: {type(exc).__name__}") from None


def _read(api: t.Any, conn: Connection, mount: str, path: str) -> dict[str, t.Any] | None:
    """The newest version's data and metadata, or None when the path has never been written."""
    with _translated(conn, "read", f"{mount}/{path}"):
        try:
            response = api.secrets.kv.v2.read_secret_version(path=path, mount_point=mount, raise_on_deleted_version=True)
        except hvac.exceptions.InvalidPath:
            return None
    return t.cast(dict[str, t.Any], response["data"])


def missing_provided(mount: str, path: str, key: str, entry_exists: bool) -> str:
    """The message for a provided secret that is not there: where it belongs and the command that writes it."""
    if entry_exists:
        # `kv put` would replace the entry and drop its other fields; `kv patch` adds one.
        command = f"bao kv patch -mount={mount} {path} {key}=..."
        where = f"{mount}/{path} exists without the field {key!r}"
    else:
        command = f"bao kv put -mount={mount} {path} {key}=..."
        where = f"{mount}/{path} does not exist, so it has no field {key!r}"
    return (f"{where}: this secret is provided (issued outside the platform, such as an S3 access key), never generated; "
            f"write it with `{command}` (vault kv takes the same arguments; docs/extending.md, 'Secrets'), then rerun")


def read_or_create(conn: Connection, mount: str, path: str, key: str, policy: dict[str, t.Any],
                   check_mode: bool = False) -> dict[str, t.Any]:
    """{secret, created, version}: the stored value, or a new one written with check-and-set 0 so two
    writers racing end with one value (the loser reads the winner's). In check mode nothing is
    written and a would-be value is returned (created False, would_create True).
    A provided secret ({kind: provided}) is only read, in check mode too: a missing one fails."""
    api = client(conn)
    current = _read(api, conn, mount, path)
    if current is not None and key in (current.get("data") or {}):
        value = current["data"][key]
        if is_provided(policy) and (value is None or str(value) == ""):
            raise SecretError(f"{mount}/{path} has the field {key!r} empty: write the value the provider issued with "
                              f"`bao kv patch -mount={mount} {path} {key}=...`, then rerun")
        return {"secret": str(value), "created": False, "version": current["metadata"]["version"]}
    if is_provided(policy):
        raise SecretError(missing_provided(mount, path, key, current is not None))
    if current is not None:
        raise SecretError(f"{mount}/{path} exists without the field {key!r}: it was written by hand or by another tool; "
                          "fix it (docs/runbooks/vault.md, 'Rotating a secret') rather than let the entry point overwrite it")
    value = generate(policy)
    if check_mode:
        return {"secret": value, "created": False, "would_create": True, "version": 0}
    with _translated(conn, "create", f"{mount}/{path}"):
        try:
            written = api.secrets.kv.v2.create_or_update_secret(path=path, secret={key: value}, cas=0, mount_point=mount)
        except hvac.exceptions.InvalidRequest:
            raced = _read(api, conn, mount, path)  # check-and-set lost: another writer created it first
            if raced is None or key not in (raced.get("data") or {}):
                raise
            return {"secret": str(raced["data"][key]), "created": False, "version": raced["metadata"]["version"]}
    return {"secret": value, "created": True, "version": written["data"]["version"]}
