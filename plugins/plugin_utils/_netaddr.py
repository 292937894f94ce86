# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side libraries (netaddr, jmespath): one import path, a clear error when one is missing."""

from __future__ import annotations

import importlib
import types

try:
    import netaddr
except ImportError as exc:  # pragma: no cover - reported when a plugin is used
    netaddr = None
    NETADDR_IMPORT_ERROR: ImportError | None = exc
else:
    NETADDR_IMPORT_ERROR = None


def require(name: str) -> types.ModuleType:
    """The library ``name``, or an ImportError that says how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(f"nova.dgx needs the {name} Python library on the controller: pip install {name}") from exc


def require_netaddr() -> types.ModuleType:
    """The netaddr module, imported once; when it is missing, require() raises with the install hint."""
    return netaddr if netaddr is not None else require("netaddr")
