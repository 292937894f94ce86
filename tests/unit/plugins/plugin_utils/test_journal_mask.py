from __future__ import annotations

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_mask import MASK, Masker


def test_values_under_secret_keys_are_masked_and_remembered() -> None:
    masker = Masker()
    data = masker.data({"user": "ops", "db_password": "hunter2-x", "nested": {"API_KEY": ["k-123456"]}, "enabled": True})
    assert data == {"user": "ops", "db_password": MASK, "nested": {"API_KEY": MASK}, "enabled": True}
    assert masker.text("connect with hunter2-x and k-123456") == f"connect with {MASK} and {MASK}"


def test_inline_secrets_in_text_and_diffs() -> None:
    masker = Masker()
    text = masker.text('+password = "s3cr3t-value"\n token: abc.def\nport=5432')
    assert "s3cr3t-value" not in text and "abc.def" not in text and "port=5432" in text
    assert masker.text("later: s3cr3t-value") == f"later: {MASK}"


def test_scrub_leaves_keys_alone() -> None:
    masker = Masker()
    masker.data({"token": "tok-98765"})
    assert masker.scrub({"auth-server": "uses tok-98765"}) == {"auth-server": f"uses {MASK}"}


def test_short_values_are_not_treated_as_secrets() -> None:
    masker = Masker()
    masker.data({"password": "x"})
    assert masker.text("x marks the spot") == "x marks the spot"
