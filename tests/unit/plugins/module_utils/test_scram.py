# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SCRAM keys as MongoDB stores them, against published conversations and stored hashes, and
SASLprep against RFC 4013's own examples."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from ansible_collections.nova.dgx.plugins.module_utils._scram import (SaslprepError, make_credentials, matches, mongo_sha1_secret,
                                                                      saslprep, scram_keys, server_key_sha1, server_key_sha256)

# RFC 7677 section 3 (SCRAM-SHA-256), also the SCRAM-SHA-256 example of MongoDB's driver
# authentication specification: user "user", password "pencil".
RFC7677 = {
    "client_first_bare": "n=user,r=rOprNGfwEbeRWgbNEkqO",
    "server_first": "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "client_final_without_proof": "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    "proof": "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "server_signature": "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
    "salt": "W22ZaJ0SNY7soEsUEjb6gQ==",
    "iterations": 4096,
}

# MongoDB's driver authentication specification (mongodb/specifications, source/auth), its
# SCRAM-SHA-1 example: user "user", password "pencil"; the secret is MD5("user:mongo:pencil").
MONGODB_SHA1 = {
    "client_first_bare": "n=user,r=fyko+d2lbbFgONRv9qkxdawL",
    "server_first": "r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,s=rQ9ZY3MntBeuP3E1TDVC4w==,i=10000",
    "client_final_without_proof": "c=biws,r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE",
    "proof": "MC2T8BvbmWRckDw8oWl5IVghwCY=",
    "server_signature": "UMWeI25JD1yNYZRMpZ4VHvhZ9e0=",
    "salt": "rQ9ZY3MntBeuP3E1TDVC4w==",
    "iterations": 10000,
}


def _auth_message(vector: dict) -> bytes:
    return ",".join((vector["client_first_bare"], vector["server_first"], vector["client_final_without_proof"])).encode()


def _check_conversation(vector: dict, digest: str, secret: bytes, stored_b64: str, server_b64: str) -> None:
    """The published ClientProof and ServerSignature follow from our StoredKey and ServerKey
    (RFC 5802 section 3), and our keys from SaltedPassword computed here with hashlib alone."""
    salted = hashlib.pbkdf2_hmac(digest, secret, base64.b64decode(vector["salt"]), vector["iterations"])
    client_key = hmac.new(salted, b"Client Key", digest).digest()
    stored, server = base64.b64decode(stored_b64), base64.b64decode(server_b64)
    assert stored == hashlib.new(digest, client_key).digest()
    assert server == hmac.new(salted, b"Server Key", digest).digest()

    message = _auth_message(vector)
    client_signature = hmac.new(stored, message, digest).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, client_signature))
    assert base64.b64encode(proof).decode() == vector["proof"]
    # The server's check: ClientKey recovered from the proof hashes to StoredKey.
    recovered = bytes(a ^ b for a, b in zip(base64.b64decode(vector["proof"]), client_signature))
    assert hashlib.new(digest, recovered).digest() == stored
    assert base64.b64encode(hmac.new(server, message, digest).digest()).decode() == vector["server_signature"]


def test_sha256_keys_reproduce_rfc_7677() -> None:
    stored, server = scram_keys("SCRAM-SHA-256", "pencil", RFC7677["salt"], RFC7677["iterations"])
    _check_conversation(RFC7677, "sha256", b"pencil", stored, server)
    assert server_key_sha256("pencil", RFC7677["salt"], RFC7677["iterations"]) == server


def test_sha1_keys_reproduce_the_mongodb_auth_spec_conversation() -> None:
    assert mongo_sha1_secret("user", "pencil") == hashlib.md5(b"user:mongo:pencil").hexdigest()
    stored, server = scram_keys("SCRAM-SHA-1", "pencil", MONGODB_SHA1["salt"], MONGODB_SHA1["iterations"], user="user")
    _check_conversation(MONGODB_SHA1, "sha1", mongo_sha1_secret("user", "pencil").encode(), stored, server)
    assert server_key_sha1("user", "pencil", MONGODB_SHA1["salt"], MONGODB_SHA1["iterations"]) == server


def test_server_keys_match_hashcat_example_hashes_of_mongodb_users() -> None:
    # hashcat's example hashes for modes 24100 (MongoDB ServerKey SCRAM-SHA-1) and 24200
    # (SCRAM-SHA-256): user "user", hashcat's example password "hashcat"; salt, count, ServerKey.
    assert server_key_sha1("user", "hashcat", "4p+f1tKpK18hQqrVr0UGOw==", 10000) == "Jv9lrpUQ2bVg2ZkXvRm2rppsqNw="
    assert server_key_sha256("hashcat", "qYaA1K1ZZSSpWfY+yqShlcTn0XVcrNipxiYCLQ==", 15000) == "QWVry9aTS/JW+y5CWCBr8lcEH9Kr/D4je60ncooPer8="


@pytest.mark.parametrize(("given", "prepared"), [
    ("I\u00adX", "IX"),  # RFC 4013 section 3, example 1: SOFT HYPHEN mapped to nothing
    ("user", "user"),  # example 2
    ("USER", "USER"),  # example 3: case is kept
    ("\u00aa", "a"),  # example 4: NFKC
    ("\u2168", "IX"),  # example 5: NFKC
    ("a\u00a0b\u3000c", "a b c"),  # non-ASCII spaces (table C.1.2) map to SPACE
    ("\u0627\u0031\u0628", "\u0627\u0031\u0628"),  # right-to-left, starting and ending with RandALCat
    ("", ""),
])
def test_saslprep_maps_and_normalises(given: str, prepared: str) -> None:
    assert saslprep(given) == prepared


@pytest.mark.parametrize(("given", "rule"), [
    ("\u0007", "C.2"),  # RFC 4013 section 3, example 6: prohibited character
    ("\u0627\u0031", "start and end"),  # example 7: bidi, ends with a non-RandALCat
    ("a\u0627", "mixing"),  # bidi: LCat and RandALCat together
    ("x\ue000", "C.3"),  # private use
    ("x\u0221", "A.1"),  # unassigned in Unicode 3.2
])
def test_saslprep_refuses_without_quoting_the_string(given: str, rule: str) -> None:
    with pytest.raises(SaslprepError, match=rule) as raised:
        saslprep(given)
    assert given not in str(raised.value)


def test_unassigned_code_points_pass_in_the_query_profile() -> None:
    assert saslprep("x\u0221", allow_unassigned=True) == "x\u0221"


def test_matches_compares_both_stored_keys() -> None:
    credentials = make_credentials("s3cret-1", iterations=4096)
    assert matches("s3cret-1", credentials)
    assert not matches("s3cret-2", credentials)
    assert not matches("s3cret-1", dict(credentials, storedKey=make_credentials("x", salt_b64=credentials["salt"], iterations=4096)["storedKey"]))
    assert not matches("s3cret-1", dict(credentials, serverKey=make_credentials("x", salt_b64=credentials["salt"], iterations=4096)["serverKey"]))
    assert not matches("s3cret-1", dict(credentials, iterationCount=4097))


def test_matches_is_saslprep_equivalent() -> None:
    # The server SASLpreps the password it stores; the soft hyphen disappears on both sides.
    assert matches("I\u00adX", make_credentials("IX", iterations=4096))


@pytest.mark.parametrize("broken", [{}, {"salt": "***", "iterationCount": 4096, "storedKey": "a", "serverKey": "b"},
                                    {"salt": "AAAA", "iterationCount": "many", "storedKey": "a", "serverKey": "b"},
                                    {"salt": "AAAA", "iterationCount": 0, "storedKey": "a", "serverKey": "b"}])
def test_malformed_credentials_do_not_match(broken: dict) -> None:
    assert not matches("pencil", broken)


def test_a_prohibited_password_raises_without_its_text() -> None:
    with pytest.raises(SaslprepError) as raised:
        matches("bell\u0007bell", make_credentials("x", iterations=4096))
    assert "bell" not in str(raised.value)


def test_sha1_matches_needs_the_user() -> None:
    credentials = make_credentials("pencil", mechanism="SCRAM-SHA-1", iterations=4096, user="user")
    assert matches("pencil", credentials, mechanism="SCRAM-SHA-1", user="user")
    assert not matches("pencil", credentials, mechanism="SCRAM-SHA-1", user="other")
    with pytest.raises(ValueError, match="needs the user name"):
        matches("pencil", credentials, mechanism="SCRAM-SHA-1")
    with pytest.raises(ValueError, match="unknown mechanism"):
        matches("pencil", credentials, mechanism="SCRAM-MD5")
