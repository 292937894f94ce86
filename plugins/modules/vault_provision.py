#!/usr/bin/python
# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vault_provision
short_description: Converge the platform's KV mount, policies and AppRoles on Vault or OpenBao
version_added: 0.3.0
description:
  - nova.dgx.vault's provisioning step. Runs on the controller through hvac with the operator's
    credentials (the same variables and environment as M(nova.dgx.secret)), reads the server's
    mounts, policies and AppRoles, and writes only what differs; a converged server reports no change.
  - With O(wrap_secret_id_for), also issues a new secret id for that AppRole, response-wrapped;
    the result holds only a single-use wrapping token that the host unwraps itself, so the secret
    id never passes through the controller. That needs C(no_log).
author:
  - nova.dgx platform team (@nova-dgx)
options:
  mount:
    description: The KV v2 mount for the platform's secrets (created when absent; any other engine there is an error).
    type: str
    required: true
  policies:
    description: Policy name to HCL text. C(root) and C(default) cannot be managed.
    type: dict
    default: {}
  approles:
    description:
      - AppRole name to settings. C(token_policies) (required, each defined in O(policies)),
        C(token_ttl) (default 1h), C(token_max_ttl) (default 4h), C(secret_id_ttl) (default 0, no
        expiry), C(secret_id_num_uses) (default 0), C(token_bound_cidrs), C(secret_id_bound_cidrs).
      - Durations are seconds or a number with C(s), C(m), C(h) or C(d).
    type: dict
    default: {}
  wrap_secret_id_for:
    description: An AppRole from O(approles) to issue a response-wrapped secret id for.
    type: str
  wrap_ttl:
    description: How long the wrapping token is valid.
    type: str
    default: 120s
  provided:
    description:
      - 'Provided secrets to seed, as C({path: {field: file}}) with files on the controller (absolute paths, not readable by
        others). A path the mount lacks is written once with check-and-set 0; a path that exists is never written again.'
      - Values are read by the action on the controller and never pass through the task's arguments or its result.
    type: dict
    default: {}
attributes:
  check_mode:
    description: Reads and reports what would change; writes nothing and issues no secret id.
    support: full
  diff_mode:
    description: Reports no diff; RV(changes) names what changed.
    support: none
"""

EXAMPLES = r"""
- name: Provision the platform's mount, policies and AppRoles
  nova.dgx.vault_provision:
    mount: nova
    policies:
      postgresql: |
        path "nova/data/postgresql/*" { capabilities = ["create", "read", "update"] }
    approles:
      db-01: {token_policies: [postgresql], token_ttl: 1h}
"""

RETURN = r"""
changes:
  description: What changed (or would in check mode), by name; never a value.
  returned: success
  type: list
  elements: str
  sample: ["mount nova (kv v2)", "policy postgresql", "approle db-01"]
role_id:
  description: The AppRole's role id (not secret on its own).
  returned: when O(wrap_secret_id_for) is set, not in check mode
  type: str
wrapping_token:
  description: A single-use token that unwraps to the new secret id; valid for O(wrap_ttl).
  returned: when O(wrap_secret_id_for) is set, not in check mode
  type: str
"""
