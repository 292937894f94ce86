# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova.dgx tooling for orchestrators: run playbooks through ansible-runner, read the journal.

The tools read the journal through the collection's own code (its shapes live in
``plugins/plugin_utils/_journal_types.py``), so importing this package makes
``ansible_collections.nova.dgx`` importable: this checkout, through the link that ``make venv``
puts where ansible.cfg's collections_path looks.
"""

from __future__ import annotations

import pathlib
import sys

__version__ = "0.1.0"

_COLLECTIONS = pathlib.Path(__file__).resolve().parents[2] / ".ansible" / "collections"

if not (_COLLECTIONS / "ansible_collections" / "nova" / "dgx").is_dir():
    raise ImportError(f"nova_dgx needs the collection link {_COLLECTIONS / 'ansible_collections/nova/dgx'}: run 'make venv' first")
if str(_COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(_COLLECTIONS))
