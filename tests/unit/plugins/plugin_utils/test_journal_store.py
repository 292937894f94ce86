"""index.json as the journal writes it and the runner reads it: one parser, clear errors."""

from __future__ import annotations

import json
import pathlib

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_store import CorruptIndex, Journal, parse_index
from ansible_collections.nova.dgx.plugins.plugin_utils._journal_types import INDEX_ENTRY_KEYS

ENTRY = {"id": "a1", "file": "x.md", "started_at": "2026-01-01T00:00:00Z", "playbook": "site.yml", "status": "ok", "check_mode": False,
         "limit": "", "runner_ident": "", "duration_s": 1.0, "changed": 0, "hosts": {}}


def test_entry_keys_are_the_typed_shape() -> None:
    assert set(ENTRY) == INDEX_ENTRY_KEYS


@pytest.mark.parametrize(("text", "words"), [
    ("{", "is not valid JSON"),
    ('{"runs": []}', "must be a JSON list of runs, got dict"),
    ("[1]", "entry 0 is not a run summary (missing"),
    (json.dumps([ENTRY, {k: v for k, v in ENTRY.items() if k != "file"}]), "entry 1 is not a run summary (missing file)"),
])
def test_a_corrupt_index_says_what_is_wrong_and_what_to_do(text: str, words: str) -> None:
    with pytest.raises(CorruptIndex, match="move it aside") as raised:
        parse_index(text, "/j/index.json")
    assert words in str(raised.value) and str(raised.value).startswith("/j/index.json")


def test_no_index_is_no_entries_and_a_good_one_parses(tmp_path: pathlib.Path) -> None:
    journal = Journal(tmp_path)
    assert journal.entries() == []
    assert parse_index(json.dumps([ENTRY])) == [ENTRY]
