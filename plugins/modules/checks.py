#!/usr/bin/python
# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: checks
short_description: Judge a list of checks and report each one to the journal
version_added: 0.2.0
description:
  - The one way a nova.dgx verify phase or audit reports what it found. Each check is a mapping
    C(name), C(ok), C(detail) and optionally C(skipped_because).
  - Runs on the controller and never contacts the host; probes that read the host are ordinary
    tasks before it (they are not checks and are not journal rows).
  - Fails when any check fails, with every failing check's name and detail in the message.
  - The C(nova.dgx.journal) callback records one row per check (task name, check name, result,
    detail), and only for this action.
author:
  - nova.dgx platform team (@nova-dgx)
options:
  checks:
    description:
      - The checks. C(name) is unique in the list and names the journal row; C(ok) is the outcome
        (a boolean); C(detail) says what was found, in words a person can act on (required, also
        when the check passes); C(skipped_because), when non-empty, marks the check skipped with
        that reason and C(ok) is not read.
    type: list
    elements: dict
    required: true
attributes:
  check_mode:
    description: Runs the same in check mode; roles skip their verify phase in check mode.
    support: full
  diff_mode:
    description: Reports no diff.
    support: none
notes:
  - A malformed check (no name, empty detail, C(ok) not a boolean, an unknown field, a duplicate
    name) fails the task with a message naming the check.
"""

EXAMPLES = r"""
- name: Read dockerd's listening sockets
  ansible.builtin.command: ss -Hltnp
  changed_when: false
  check_mode: false
  register: _docker_listeners

- name: Check Docker
  nova.dgx.checks:
    checks:
      - name: no TCP socket
        ok: "{{ _tcp | length == 0 }}"
        detail: "{{ 'dockerd listens on no TCP port' if not _tcp else 'dockerd listens on TCP: ' ~ _tcp | join(', ') }}"
      - name: GPU container
        ok: false
        detail: not run
        skipped_because: "{{ '' if gpu_checks else 'no GPU on this host' }}"
  vars:
    _tcp: "{{ _docker_listeners.stdout_lines | select('search', 'dockerd') | list }}"
"""

RETURN = r"""
checks:
  description: Each check with its result, in the order given.
  returned: when the checks follow the contract
  type: list
  elements: dict
  contains:
    name:
      description: The check's name.
      type: str
    result:
      description: C(pass), C(fail) or C(skipped).
      type: str
    detail:
      description: What was found, on one line (the skip reason for a skipped check).
      type: str
  sample: [{"name": "no TCP socket", "result": "pass", "detail": "dockerd listens on no TCP port"}]
msg:
  description: Counts of passed, failed and skipped checks, then each failing check's name and detail.
  returned: always
  type: str
  sample: "2 passed, 1 failed: docker group: not in group docker: mluser"
"""
