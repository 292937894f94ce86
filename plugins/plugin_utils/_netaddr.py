# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netaddr, imported once for every controller-side plugin; a clear error when it is missing."""

from __future__ import annotations

import types

try:
    import netaddr
except ImportError as exc:  # pragma: no cover - reported when a plugin is used
    netaddr = None
    NETADDR_IMPORT_ERROR: ImportError | None = exc
else:
    NETADDR_IMPORT_ERROR = None


def require_netaddr() -> types.ModuleType:
    """The netaddr module, or an ImportError that says how to install it."""
    if netaddr is None:
        raise ImportError("nova.dgx needs the netaddr Python library on the controller: pip install netaddr") from NETADDR_IMPORT_ERROR
    return netaddr
