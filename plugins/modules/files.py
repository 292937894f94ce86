#!/usr/bin/python
# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: files
short_description: Converge a role's configuration files and directories in one module run
version_added: 0.3.0
description:
  - The one way a nova.dgx role writes its configuration files, templates and directories. Every
    entry is compared with the host in one module run, and only the entries that differ are
    written, so a converged role costs one module run however many files it owns (the
    M(ansible.builtin.template) module costs two per file, a checksum stat and an attribute run).
  - The action renders C(template) entries on the controller (from the role's C(templates/), with
    C(ansible_managed) and the task's variables, like M(ansible.builtin.template)) and reads C(src)
    entries from the role's C(files/); C(content) is written as given.
  - A file is written atomically, a temporary file in the same directory with the final owner,
    group and mode, checked with C(validate) when given, then renamed over the live one. A file
    that fails validation leaves the live one untouched and fails the task.
  - Entries are converged in order and the task stops at the first failure; list a directory before
    the files in it.
author:
  - nova.dgx platform team (@nova-dgx)
options:
  files:
    description:
      - The entries, each a mapping. C(path) (absolute) is required and unique in the list.
      - C(state) is C(file) (the default), C(directory) or C(absent) (removes a file or link;
        a directory is never removed).
      - A file takes exactly one of C(template), C(src) or C(content), and C(mode); a directory
        takes C(mode). C(mode) is an octal string such as C('0644'). C(owner) and C(group) are
        names or numbers; left out, they are not managed.
      - C(validate) is a command with C(%s) for the candidate file, run without a shell, for
        example C(sshd -t -f %s).
    type: list
    elements: dict
    required: true
attributes:
  check_mode:
    description: Reports what would change and writes nothing; C(validate) is not run.
    support: full
  diff_mode:
    description: Shows each changed file's text (up to 64 KiB), or the attributes that change.
    support: full
notes:
  - Text only (UTF-8); binary files and artifacts go through nova.dgx.base's artifact entry point.
  - A task-level C(no_log) hides the content and the diff, as for M(ansible.builtin.template).
"""

EXAMPLES = r"""
- name: Write chrony's configuration
  nova.dgx.files:
    files:
      - path: /etc/chrony/chrony.conf
        template: chrony.conf.j2
        mode: "0644"
        owner: root
        group: root
        validate: chronyd -p -f %s
      - path: /etc/default/chrony
        template: chrony.default.j2
        mode: "0644"
  notify: Restart chrony
"""

RETURN = r"""
files:
  description: One result per entry, in order (C(path), C(state), C(changed), C(reasons)).
  returned: always
  type: list
  elements: dict
changed_paths:
  description: The paths this task changed (or would change in check mode).
  returned: always
  type: list
  elements: str
"""

import typing as t

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.nova.dgx.plugins.module_utils._files import FilesError, converge_all


def main() -> None:
    module = AnsibleModule(argument_spec={"files": {"type": "list", "elements": "dict", "required": True}}, supports_check_mode=True)
    try:
        result: dict[str, t.Any] = converge_all(module.params["files"], module.check_mode, module._diff)
    except FilesError as exc:
        module.fail_json(msg=f"nova.dgx.files: {exc}", changed=False)
    except OSError as exc:
        module.fail_json(msg=f"nova.dgx.files: {exc.filename}: {exc.strerror or exc}; check the path and its permissions", changed=False)
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
