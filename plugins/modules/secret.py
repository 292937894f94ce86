#!/usr/bin/python
# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: secret
short_description: Read one platform secret from Vault or OpenBao, creating it there on first use unless it is provided
version_added: 0.3.0
description:
  - The one way a nova.dgx role gets a password, token or key. It reads C(<mount>/<path>) from the
    platform's KV v2 mount; when the path has never been written it generates a value by the given
    policy and writes it with check-and-set 0, so hosts racing to create it all end with one value.
  - A secret issued outside the platform (an S3 access key from the storage provider) has the
    policy C(kind) C(provided), which is only read, never generated or written, in check mode as in
    a real run. When the path or the field is missing the task fails naming C(<mount>/<path>), the
    field and the command that writes it, C(bao kv put -mount=<mount> <path> <key>=...) (or
    C(bao kv patch) when the entry exists with other fields).
  - Runs on the controller through hvac and never contacts the managed host. The controller reaches
    the server at C(vault_addr) (the vault host's WireGuard address), trusts the CA at
    C(vault_cacert), and authenticates with C(VAULT_TOKEN), C(~/.vault-token) (what C(bao login)
    writes), or an AppRole from C(ANSIBLE_HASHI_VAULT_ROLE_ID) and C(ANSIBLE_HASHI_VAULT_SECRET_ID)
    (the n8n runner's). The same variables as community.hashi_vault.
  - The task must set C(no_log) and C(register); the value is the registered variable's C(secret).
    The C(nova.dgx.journal) callback reads every registered C(nova.dgx.secret) value and masks it
    wherever it appears in the run's report. Never put the value in a fact, a failure message or a
    task's environment (the C(nova-secret-exposure) lint rule checks for this).
  - Fails before contacting the server when the path is outside the mount, the policy is too weak
    or malformed, or no credentials are set; and with its own message when the server is sealed,
    unreachable, presents a certificate the CA does not vouch for, or denies the path.
author:
  - nova.dgx platform team (@nova-dgx)
options:
  path:
    description:
      - The secret's path relative to the platform mount, segments of letters, digits, C(_ . -);
        by convention C(<role>/<name>), such as C(postgresql/app) or C(wireguard/psk/<a>--<b>).
    type: str
    required: true
  policy:
    description:
      - How a new value is generated (from the operating system's CSPRNG). C(kind) is C(password)
        (C(length) from 16, default 32; C(alphabet) C(alnum), C(alnum_symbols) or C(hex)),
        C(wireguard_psk) (32 random bytes, base64, as C(wg genpsk) makes) or C(token_hex)
        (C(bytes) from 16, default 32).
      - C(kind) C(provided) (and nothing else) for a value issued outside the platform, which is read and
        never generated; a missing path or field, or an empty field, fails with the command that writes it.
      - Only read when the secret is created; an existing value is returned as it is.
    type: dict
    default: {kind: password, length: 32, alphabet: alnum}
  key:
    description: The field inside the KV entry that holds the value.
    type: str
    default: value
  mount:
    description: The KV v2 mount; defaults to the variable C(vault_kv_mount), else C(nova).
    type: str
attributes:
  check_mode:
    description:
      - Reads in check mode; a secret that does not exist yet is generated but not written (C(would_create)).
      - A provided secret is read the same way, and a missing one fails in check mode too. Only when the server
        cannot be asked at all (not there yet, sealed, no credentials) does check mode warn and return an empty value.
    support: full
  diff_mode:
    description: Reports no diff.
    support: none
notes:
  - Connection variables (host or group vars) C(vault_addr), C(vault_cacert) (default
    C(~/.nova-dgx/vault-ca.pem), which nova.dgx.vault writes), C(vault_token_file) (default
    C(~/.vault-token)), C(vault_approle_mount) (default C(approle)); C(VAULT_ADDR) and C(VAULT_CACERT)
    are read when the variables are not set.
seealso:
  - name: docs/runbooks/vault.md
    description: Rotating a secret, unsealing, and what each failure message means.
    link: https://github.com/nova-dgx/nova.dgx/blob/main/docs/runbooks/vault.md
"""

EXAMPLES = r"""
- name: Read the application database password
  nova.dgx.secret:
    path: postgresql/app
    policy: {kind: password, length: 32}
  register: _postgresql_app_password
  no_log: true

- name: Write the service's environment file (the value is used, never shown)
  nova.dgx.files:
    files:
      - path: /etc/app/env
        content: "DB_PASSWORD={{ _postgresql_app_password.secret }}\n"
        mode: "0600"
  no_log: true

- name: Read the S3 access key the storage provider issued (written by hand, never generated)
  nova.dgx.secret:
    path: backup/restic/s3
    key: secret_access_key
    policy: {kind: provided}
  register: _backup_s3_secret_access_key
  no_log: true
"""

RETURN = r"""
secret:
  description: The value. Only ever in the registered variable; the task is C(no_log).
  returned: success
  type: str
created:
  description: Whether this task created the secret (first use); always false for a provided one.
  returned: success
  type: bool
would_create:
  description: In check mode, that the secret does not exist and a real run would create it.
  returned: in check mode, when the secret does not exist
  type: bool
version:
  description: The KV v2 version read or written (0 when not written in check mode).
  returned: success
  type: int
path:
  description: The full path, C(<mount>/<path>).
  returned: success
  type: str
"""
