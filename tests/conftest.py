"""Shared pytest set-up: import the collection as ansible_collections.nova.dgx."""

from __future__ import annotations

import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
COLLECTIONS = ROOT / ".ansible" / "collections"

if not (COLLECTIONS / "ansible_collections" / "nova" / "dgx").exists():
    raise RuntimeError("the collection link is missing: run 'make venv' first")
sys.path.insert(0, str(COLLECTIONS))
os.environ.setdefault("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg"))
