"""The NeMo role's logic: input checks and reading the validation's result."""

from __future__ import annotations

import json

from ansible_collections.nova.dgx.plugins.plugin_utils._nemo import errors, validation

DIGEST = "sha256:" + "a" * 64
GOOD = {"nemo_flavour": "framework", "nemo_data_dir": "/srv/nemo", "nemo_shm_size": "16g", "nemo_extra_run_args": ["--env=A=1"],
        "nemo_expected_cc": "auto",
        "nemo_images": {"framework": {"repository": "nvcr.io/nvidia/nemo", "tag": "25.11", "digest": DIGEST}}}


def test_good_input_has_no_errors() -> None:
    assert errors(GOOD) == []
    assert errors({**GOOD, "nemo_expected_cc": "12.1", "nemo_data_dir": "/raid/nemo", "nemo_shm_size": "512M"}) == []


def test_only_the_chosen_flavour_needs_a_digest() -> None:
    images = {**GOOD["nemo_images"], "automodel": {"repository": "nvcr.io/nvidia/nemo-automodel", "tag": "26.02", "digest": ""}}
    assert errors({**GOOD, "nemo_images": images}) == []
    assert "nemo_images.automodel.digest is empty" in errors({**GOOD, "nemo_images": images, "nemo_flavour": "automodel"})[0]


def test_a_missing_flavour_entry_and_a_malformed_image_are_named() -> None:
    assert errors({**GOOD, "nemo_flavour": "automodel"}) == ["nemo_images has no entry for nemo_flavour automodel"]
    assert "must be a mapping of repository, tag and digest" in errors({**GOOD, "nemo_images": {"framework": "nvcr.io/nvidia/nemo"}})[0]


def test_the_validation_result_is_read_or_failed_with_the_reason() -> None:
    result = validation(json.dumps({"ok": True, "checks": [{"name": "NeMo", "ok": True, "detail": "NeMo 2.6.0"}], "versions": {"nemo": "2.6.0"}}))
    assert result["ok"] and result["versions"]["nemo"] == "2.6.0" and result["error"] == ""
    stand_in = validation('{"ok": false, "standin": true, "error": "no NeMo"}')
    assert not stand_in["ok"] and stand_in["checks"] == [] and stand_in["error"] == "no NeMo"
    assert validation("Traceback: boom") == {"ok": False, "checks": [], "versions": {}, "image": "",
                                             "error": "the validation printed no result: Traceback: boom"}
    assert validation("")["error"] == "the validation printed no result"
    assert not validation('{"ok": "yes"}')["ok"]
