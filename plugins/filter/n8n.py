# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for nova.dgx.n8n: input checks, the environment file, the workflow and the control node's known_hosts."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._n8n import environment, errors, workflow, workflow_differences
from ansible_collections.nova.dgx.plugins.plugin_utils._n8n_control import known_hosts


class FilterModule:
    """nova.dgx n8n filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "n8n_errors": errors,
            "n8n_environment": environment,
            "n8n_workflow": workflow,
            "n8n_workflow_differences": workflow_differences,
            "n8n_known_hosts": known_hosts,
        }
