# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for nova.dgx.nemo: input checks and the validation's result."""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._nemo import errors, requirements, validation, venv_differences


class FilterModule:
    """nova.dgx NeMo filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "nemo_errors": errors,
            "nemo_requirements": requirements,
            "nemo_validation": validation,
            "nemo_venv_differences": venv_differences,
        }
