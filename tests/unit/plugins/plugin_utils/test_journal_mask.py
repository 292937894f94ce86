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


def test_forms_without_an_equals_sign_are_masked() -> None:
    masker = Masker()
    text = masker.text(
        "+PresharedKey = Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo=\n"
        "machine db.example login ops password n3tRc-Pass\n"
        "password Another-0ne\n"
        "clone https://deploy:gh-T0ken-xyz@git.example/repo.git\n"
        "Authorization: Bearer eyJhbGciOi.JIUzI1NiJ9\n"
        "curl -H 'X: y' --oauth2-bearer abcdefgh12345678\n"
    )
    for planted in ("Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo=", "n3tRc-Pass", "Another-0ne", "gh-T0ken-xyz",
                    "eyJhbGciOi.JIUzI1NiJ9", "abcdefgh12345678"):
        assert planted not in text, planted
        assert masker.text(f"seen again: {planted}") == f"seen again: {MASK}", planted
    assert "https://deploy:" in text and "@git.example/repo.git" in text, "the user and host stay readable"


def test_names_ending_in_key_are_secret_but_public_keys_are_not() -> None:
    masker = Masker()
    data = masker.data({"ngc_api_key": "nvapi-123456", "wireguard_psk": "psk-value-1", "cluster_key": "k3s-join-1",
                        "public_key": "pub-visible", "key_name": "visible"})
    assert data == {"ngc_api_key": MASK, "wireguard_psk": MASK, "cluster_key": MASK, "public_key": "pub-visible", "key_name": "visible"}


def test_a_common_word_after_password_is_not_masked_everywhere() -> None:
    masker = Masker()
    assert masker.text("Set password=value for the user") == f"Set password={MASK} for the user"
    assert masker.text("the value stays readable") == "the value stays readable"
    masker.text("token=Rea1-Secret")
    assert masker.text("Rea1-Secret again") == f"{MASK} again"


def test_prose_about_passwords_is_left_alone() -> None:
    masker = Masker()
    text = "the password is rotated nightly; see the password policy"
    assert masker.text(text) == text


def test_learning_from_data_never_swallows_a_whole_mapping() -> None:
    masker = Masker()
    masker.learn({"ansible_facts": {"getent_passwd": {"sync": ["x", "4", "65534", "sync", "/bin", "/bin/sync"],
                                                      "root": ["x", "0", "0", "root", "/root", "/bin/bash"]}},
                  "db": {"password": "Learnt-Pa55"}, "api_tokens": ["tok-one-1", "tok-two-2"], "password_hash": None,
                  "user": {"name": "ops", "update_password": "always"}})
    assert masker.text("clock synchronised for root via /bin/bash") == "clock synchronised for root via /bin/bash"
    assert masker.text("tags: [always]") == "tags: [always]", "update_password: always is a setting, not a secret"
    assert masker.text("Learnt-Pa55 tok-one-1 tok-two-2") == f"{MASK} {MASK} {MASK}"


def test_settings_about_passwords_are_shown_and_not_learnt() -> None:
    # PostgreSQL's password_encryption and sshd's PasswordAuthentication name a method, not a secret:
    # masking their values would also mask "scram-sha-256" in every verify row of the report.
    masker = Masker()
    text = masker.text("+password_encryption = 'scram-sha-256'\nPasswordAuthentication no\n+db_password = 's3cr3t-value'\n")
    assert "password_encryption = 'scram-sha-256'" in text and "s3cr3t-value" not in text
    assert masker.data({"password_encryption": "scram-sha-256"}) == {"password_encryption": "scram-sha-256"}
    assert masker.text("pg_hba methods peer, scram-sha-256") == "pg_hba methods peer, scram-sha-256"
