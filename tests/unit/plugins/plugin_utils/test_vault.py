# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The secrets layer's input checks, with real OpenPGP keys made by gpg for the test."""

from __future__ import annotations

import base64
import shutil
import subprocess
import typing as t

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._vault import (
    generate, init_errors, path_errors, pgp_base64, pgp_key_problem, policy_errors, san_errors,
)

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg makes the test keys")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    gpg = ["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]
    # The default algorithms: an ed25519 primary key and a cv25519 encryption subkey, as OpenBao needs.
    subprocess.run([*gpg, "--quick-gen-key", "operator-1@nova.test", "default", "default", "never"], check=True, capture_output=True)
    subprocess.run([*gpg, "--quick-gen-key", "signer@nova.test", "ed25519", "sign", "never"], check=True, capture_output=True)
    sign_only = subprocess.run([*gpg, "--export", "--armor", "signer@nova.test"], check=True, capture_output=True, text=True).stdout
    public = subprocess.run([*gpg, "--export", "--armor", "operator-1@nova.test"], check=True, capture_output=True, text=True).stdout
    binary = subprocess.run([*gpg, "--export", "operator-1@nova.test"], check=True, capture_output=True).stdout
    private = subprocess.run([*gpg, "--export-secret-keys", "--armor", "operator-1@nova.test"], check=True, capture_output=True, text=True).stdout
    secret_binary = subprocess.run([*gpg, "--export-secret-keys", "operator-1@nova.test"], check=True, capture_output=True).stdout
    yield {"sign_only": sign_only, "armored": public, "base64": base64.b64encode(binary).decode(), "private": private,
           "private_base64": base64.b64encode(secret_binary).decode(), "binary_b64": base64.b64encode(binary).decode()}
    # gpg leaves an agent running for the home directory: stop it with the test.
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], check=False, capture_output=True)


def test_public_keys_pass_in_both_forms(keys: dict[str, str]) -> None:
    assert pgp_key_problem(keys["armored"]) is None
    assert pgp_key_problem(keys["base64"]) is None
    assert pgp_base64(keys["armored"]) == keys["binary_b64"], "armored keys reach bao as base64 of the binary key"


@pytest.mark.parametrize(("which", "words"), [("private", "private key"), ("private_base64", "private key")])
def test_private_keys_are_refused(keys: dict[str, str], which: str, words: str) -> None:
    assert words in (pgp_key_problem(keys[which]) or "")


def test_a_key_without_an_encryption_subkey_is_refused(keys: dict[str, str]) -> None:
    assert "has no encryption subkey" in (pgp_key_problem(keys["sign_only"]) or "")


def test_text_that_is_not_a_key_is_refused() -> None:
    assert "neither an ASCII-armored" in (pgp_key_problem("hello, I am a key") or "")
    assert "public-key packet" in (pgp_key_problem(base64.b64encode(b"\x00\x01plain").decode()) or "")


def test_init_settings(keys: dict[str, str]) -> None:
    three = [keys["armored"]] * 3
    assert init_errors(3, 2, three, keys["armored"], False, "shamir") == []
    assert "greater than vault_key_shares" in init_errors(3, 4, three, None, False, "shamir")[0]
    assert "one share holder unseal alone" in init_errors(3, 1, three, None, False, "shamir")[0]
    assert "has 2 keys but vault_key_shares is 3" in init_errors(3, 2, three[:2], None, False, "shamir")[0]
    assert "vault_pgp_keys[1] is a PGP private key" in init_errors(3, 2, [keys["armored"], keys["private"], keys["armored"]], None, False, "shamir")[0]
    assert "vault_root_token_pgp_key" in init_errors(3, 2, three, "nope", False, "shamir")[0]
    assert "in clear" in init_errors(5, 3, [], None, False, "shamir")[0]
    assert init_errors(5, 3, [], None, True, "shamir") == [], "the documented opt-in"
    assert init_errors(5, 3, [], None, False, "static") == [], "the static seal yields recovery keys, not unseal keys"
    assert "integer from 1 to 255" in init_errors(0, 1, [], None, True, "shamir")[0]
    assert "positive integer" in init_errors(3, True, [], None, True, "shamir")[0]


def test_every_listener_address_is_in_the_certificate() -> None:
    assert san_errors(["127.0.0.1", "10.99.0.12", "mgmt-01"], ["127.0.0.1:8200", "10.99.0.12:8200"]) == []
    (error,) = san_errors(["127.0.0.1", "mgmt-01"], ["127.0.0.1:8200", "10.99.0.12:8200"])
    assert "misses the listener address 10.99.0.12" in error and "add 10.99.0.12 to vault_tls_sans" in error
    assert san_errors(["::1"], ["[::1]:8200"]) == []


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("postgresql/app", None),
        ("nova/postgresql/app", "must be relative to the platform mount"),
        ("/postgresql/app", "must be relative"),
        ("sys/policies", "must be relative"),
        ("postgresql/../root", "'..'"),
        ("postgresql//app", "segment"),
        ("", "must be a path"),
    ],
)
def test_secret_paths_stay_inside_the_platform_mount(path: str, words: str | None) -> None:
    errors = path_errors("secret.name", path, "nova")
    assert (errors == []) if words is None else (words in errors[0] and "secret.name" in errors[0])


@pytest.mark.parametrize(
    ("policy", "words"),
    [
        ({"kind": "password", "length": 32}, None),
        ({"kind": "password", "length": 12}, "from 16 to 4096"),
        ({"kind": "password", "alphabet": "emoji"}, "alphabet 'emoji'"),
        ({"kind": "wireguard_psk"}, None),
        ({"kind": "wireguard_psk", "length": 40}, "does not take"),
        ({"kind": "token_hex", "bytes": 8}, "bytes must be an integer from 16"),
        ({"kind": "rsa"}, "must be one of"),
        ("32", "must be a mapping"),
    ],
)
def test_generation_policies_are_checked(policy: object, words: str | None) -> None:
    errors = policy_errors("secret.policy", policy)
    assert (errors == []) if words is None else (words in errors[0])


def test_generated_values_follow_their_policy() -> None:
    password = generate({"kind": "password", "length": 40, "alphabet": "alnum"})
    assert len(password) == 40 and password.isalnum() and password != generate({"kind": "password", "length": 40})
    assert len(base64.b64decode(generate({"kind": "wireguard_psk"}))) == 32
    assert len(generate({"kind": "token_hex", "bytes": 16})) == 32
