#!/usr/bin/python
# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: mongodb_users
short_description: Converge a list of MongoDB users, their passwords and roles, over one connection
version_added: 0.3.0
description:
  - Reads every user of a C(mongod) once (C(usersInfo) with C(forAllDBs) and C(showCredentials)) and
    runs only the commands that change something. A missing user is created with C(createUser)
    (mechanism C(SCRAM-SHA-256) only). An existing user gets C(updateUser) with C(pwd) only when its
    stored SCRAM-SHA-256 keys (C(storedKey) and C(serverKey)) do not follow from the given password
    or it has other mechanisms too, and with C(roles) only when its role set differs. So an unchanged
    password reports no change, and a password or role changed by hand is drift that is corrected.
  - Users present on the server but not in O(users) are returned in RV(unmanaged) and removed only
    with O(state_unmanaged=remove); the login user is never removed.
  - The login user's own password change runs after every other command.
  - Needs pymongo on the host (Debian and Ubuntu package C(python3-pymongo)).
  - Returns user names (as C(database.name)) only; passwords appear in no result and no message.
author:
  - nova.dgx platform team (@nova-dgx)
options:
  login_host:
    description: Address of the C(mongod). The localhost exception (O(bootstrap_admin)) works only on a loopback address.
    type: str
    default: 127.0.0.1
  login_port:
    description: Port of the C(mongod).
    type: int
    default: 27017
  login_user:
    description:
      - The user to log in as, with SCRAM-SHA-256; it needs C(userAdminAnyDatabase) or C(root).
      - Without it the module connects unauthenticated, which only O(bootstrap_admin) can use.
    type: str
  login_password:
    description: The password of O(login_user).
    type: str
  login_database:
    description: The database O(login_user) is defined in.
    type: str
    default: admin
  users:
    description: The users wanted, each once per database.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The user name.
        type: str
        required: true
      database:
        description: The database the user is defined in (its authentication database).
        type: str
        default: admin
      password:
        description: The password; it must pass SASLprep (RFC 4013), as SCRAM-SHA-256 requires.
        type: str
        required: true
      roles:
        description:
          - The complete set of the user's roles; order does not matter.
          - Each is a dict with C(role) and C(db) (default O(users[].database)), or a role name meaning
            that role in O(users[].database).
        type: list
        elements: raw
        default: []
  state_unmanaged:
    description: What to do with users on the server that O(users) does not list.
    type: str
    choices: [report, remove]
    default: report
  bootstrap_admin:
    description:
      - When the login is refused because the server has no users yet, create the first admin through
        MongoDB's localhost exception (an unauthenticated C(createUser) on C(admin), allowed on a
        loopback connection while no user exists), then log in as it and converge the rest.
      - The first admin is O(login_user), which must then be listed in O(users) in database C(admin)
        with the role C(root) or C(userAdminAnyDatabase) on C(admin); without O(login_user), the first
        listed user that is.
      - In check mode the server cannot be asked whether the exception is open; the admin and every
        other listed user are reported as to be created.
    type: bool
    default: false
attributes:
  check_mode:
    description: Reads the users and plans the same commands, and runs none of them.
    support: full
  diff_mode:
    description: Reports no diff.
    support: none
notes:
  - SCRAM-SHA-256 keys are recomputed on the host (PBKDF2 at the user's stored iteration count,
    15000 by default), a few milliseconds per user.
requirements:
  - pymongo (C(python3-pymongo))
"""

EXAMPLES = r"""
- name: Converge the MongoDB users
  nova.dgx.mongodb_users:
    login_user: admin
    login_password: "{{ mongodb_admin_password }}"
    bootstrap_admin: true
    users:
      - {name: admin, database: admin, password: "{{ mongodb_admin_password }}", roles: [root]}
      - name: app
        database: nova
        password: "{{ mongodb_app_password }}"
        roles: [readWrite, {role: read, db: reporting}]
  no_log: true
"""

RETURN = r"""
created:
  description: Users created (C(database.name)); with RV(bootstrap), the first admin comes first.
  returned: always
  type: list
  elements: str
  sample: [nova.app]
updated_passwords:
  description: Users whose password was set because the stored keys did not match, or other mechanisms were stored.
  returned: always
  type: list
  elements: str
updated_roles:
  description: Users whose role set was replaced.
  returned: always
  type: list
  elements: str
unmanaged:
  description: Users on the server that O(users) does not list.
  returned: always
  type: list
  elements: str
removed:
  description: Unmanaged users dropped (only with O(state_unmanaged=remove)).
  returned: always
  type: list
  elements: str
bootstrap:
  description: Whether the first admin was (in check mode, would be) created through the localhost exception.
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.nova.dgx.plugins.module_utils._mongodb_users import MongoUsersError, PymongoConnector, converge


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "login_host": {"type": "str", "default": "127.0.0.1"},
            "login_port": {"type": "int", "default": 27017},
            "login_user": {"type": "str"},
            "login_password": {"type": "str", "no_log": True},
            "login_database": {"type": "str", "default": "admin"},
            "users": {"type": "list", "elements": "dict", "required": True, "options": {
                "name": {"type": "str", "required": True},
                "database": {"type": "str", "default": "admin"},
                "password": {"type": "str", "required": True, "no_log": True},
                "roles": {"type": "list", "elements": "raw", "default": []},
            }},
            "state_unmanaged": {"type": "str", "choices": ["report", "remove"], "default": "report"},
            "bootstrap_admin": {"type": "bool", "default": False},
        },
        required_together=[["login_user", "login_password"]],
        supports_check_mode=True,
    )
    params = module.params
    connector = None
    try:
        connector = PymongoConnector(params["login_host"], params["login_port"])
        result = converge(connector, params["users"], login_user=params["login_user"], login_password=params["login_password"],
                          login_database=params["login_database"], state_unmanaged=params["state_unmanaged"],
                          bootstrap_admin=params["bootstrap_admin"], check_mode=module.check_mode)
    except MongoUsersError as exc:
        module.fail_json(msg=str(exc))
    finally:
        if connector is not None:
            connector.close()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
