# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova.dgx tooling for orchestrators: run playbooks through ansible-runner, read the journal."""

from __future__ import annotations

__version__ = "0.1.0"
