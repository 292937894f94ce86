# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SCRAM credentials as MongoDB stores them, so that a password can be compared with a user's
stored keys without logging in as that user.

``usersInfo`` with ``showCredentials: true`` returns, per mechanism, ``{iterationCount, salt,
storedKey, serverKey}`` (base64). From RFC 5802 / RFC 7677:

    SaltedPassword = PBKDF2-HMAC-H(secret, salt, iterationCount)
    StoredKey      = H(HMAC(SaltedPassword, "Client Key"))
    ServerKey      = HMAC(SaltedPassword, "Server Key")

where MongoDB's secret is, for SCRAM-SHA-256, the SASLprep'd password (RFC 4013) and, for
SCRAM-SHA-1, the hex MD5 of ``"<user>:mongo:<password>"`` (not SASLprep'd), as its drivers'
authentication specification says.

No function here puts a password, or any part of one, in a return value other than the keys, or
in an exception's text."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stringprep
import typing as t
import unicodedata

__all__ = ["SaslprepError", "MECHANISMS", "saslprep", "mongo_sha1_secret", "scram_keys", "server_key_sha256",
           "server_key_sha1", "matches", "make_credentials"]

MECHANISMS = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256"}

# RFC 4013 section 2.3: what SASLprep prohibits, from RFC 3454's tables.
_PROHIBITED = (
    (stringprep.in_table_c12, "C.1.2 non-ASCII space"),
    (stringprep.in_table_c21_c22, "C.2 control character"),
    (stringprep.in_table_c3, "C.3 private use"),
    (stringprep.in_table_c4, "C.4 non-character code point"),
    (stringprep.in_table_c5, "C.5 surrogate code"),
    (stringprep.in_table_c6, "C.6 inappropriate for plain text"),
    (stringprep.in_table_c7, "C.7 inappropriate for canonical representation"),
    (stringprep.in_table_c8, "C.8 change display properties or deprecated"),
    (stringprep.in_table_c9, "C.9 tagging character"),
)


class SaslprepError(ValueError):
    """A string SASLprep refuses; the text names the rule, never the string."""


def saslprep(text: str, allow_unassigned: bool = False) -> str:
    """RFC 4013 SASLprep of ``text`` (by default the "stored strings" profile: unassigned code
    points are refused). Printable ASCII, the usual case, passes through unchanged."""
    if all(" " <= char <= "~" for char in text):
        return text
    # 2.1 Mapping: non-ASCII spaces to SPACE, "commonly mapped to nothing" (B.1) removed.
    mapped = "".join(" " if stringprep.in_table_c12(char) else char for char in text if not stringprep.in_table_b1(char))
    # 2.2 Normalisation: NFKC as of Unicode 3.2, the version RFC 3454's tables are written for.
    prepared = unicodedata.ucd_3_2_0.normalize("NFKC", mapped)
    if not prepared:
        return prepared
    for char in prepared:
        for in_table, name in _PROHIBITED:
            if in_table(char):
                raise SaslprepError(f"SASLprep prohibits one of its characters (RFC 3454 table {name})")
        if not allow_unassigned and stringprep.in_table_a1(char):
            raise SaslprepError("SASLprep prohibits one of its characters (RFC 3454 table A.1, unassigned in Unicode 3.2)")
    # 2.5 Bidirectional characters (RFC 3454 section 6).
    if any(stringprep.in_table_d1(char) for char in prepared):
        if any(stringprep.in_table_d2(char) for char in prepared):
            raise SaslprepError("SASLprep prohibits mixing right-to-left and left-to-right characters (RFC 3454 section 6)")
        if not (stringprep.in_table_d1(prepared[0]) and stringprep.in_table_d1(prepared[-1])):
            raise SaslprepError("SASLprep requires right-to-left text to start and end with a right-to-left character (RFC 3454 section 6)")
    return prepared


def mongo_sha1_secret(user: str, password: str) -> str:
    """What MongoDB's SCRAM-SHA-1 salts: hex MD5 of "<user>:mongo:<password>" (UTF-8)."""
    return hashlib.md5(f"{user}:mongo:{password}".encode("utf-8")).hexdigest()  # nosec - MongoDB's SCRAM-SHA-1 input, not a hash of record


def _secret(mechanism: str, password: str, user: str | None) -> bytes:
    if mechanism == "SCRAM-SHA-256":
        return saslprep(password).encode("utf-8")
    if mechanism == "SCRAM-SHA-1":
        if user is None:
            raise ValueError("SCRAM-SHA-1 as MongoDB stores it needs the user name")
        return mongo_sha1_secret(user, password).encode("ascii")
    raise ValueError(f"unknown mechanism {mechanism!r}; known: {', '.join(MECHANISMS)}")


def scram_keys(mechanism: str, password: str, salt_b64: str, iterations: int, user: str | None = None) -> tuple[str, str]:
    """(StoredKey, ServerKey), base64, for ``password`` under ``mechanism`` (SCRAM-SHA-256, or
    SCRAM-SHA-1 with ``user``), the salt (base64) and the iteration count."""
    digest = MECHANISMS.get(mechanism)
    if digest is None:
        raise ValueError(f"unknown mechanism {mechanism!r}; known: {', '.join(MECHANISMS)}")
    if int(iterations) < 1:
        raise ValueError("the iteration count must be at least 1")
    salt = base64.b64decode(salt_b64, validate=True)
    salted = hashlib.pbkdf2_hmac(digest, _secret(mechanism, password, user), salt, int(iterations))
    client_key = hmac.new(salted, b"Client Key", digest).digest()
    stored_key = hashlib.new(digest, client_key).digest()
    server_key = hmac.new(salted, b"Server Key", digest).digest()
    return base64.b64encode(stored_key).decode("ascii"), base64.b64encode(server_key).decode("ascii")


def server_key_sha256(password: str, salt_b64: str, iterations: int) -> str:
    """SCRAM-SHA-256 ServerKey (base64) as MongoDB stores it."""
    return scram_keys("SCRAM-SHA-256", password, salt_b64, iterations)[1]


def server_key_sha1(user: str, password: str, salt_b64: str, iterations: int) -> str:
    """SCRAM-SHA-1 ServerKey (base64) as MongoDB stores it (the secret is MongoDB's MD5 digest)."""
    return scram_keys("SCRAM-SHA-1", password, salt_b64, iterations, user=user)[1]


def matches(password: str, credentials: t.Mapping[str, t.Any], mechanism: str = "SCRAM-SHA-256", user: str | None = None) -> bool:
    """Whether ``password`` is the one behind ``credentials``, one mechanism's entry of usersInfo's
    ``credentials`` ({iterationCount, salt, storedKey, serverKey}); both keys must match.

    A malformed entry (a key missing, bad base64, a bad count) does not match. A password SASLprep
    refuses raises SaslprepError (MongoDB would refuse it too), and SCRAM-SHA-1 without ``user`` or
    an unknown mechanism raise ValueError."""
    _secret(mechanism, password, user)  # an unknown mechanism, a missing user or a refused password raise, not mismatch
    try:
        stored, server = credentials["storedKey"], credentials["serverKey"]
        mine_stored, mine_server = scram_keys(mechanism, password, credentials["salt"], int(credentials["iterationCount"]), user=user)
    except SaslprepError:
        raise
    except (KeyError, TypeError, ValueError):  # binascii.Error is a ValueError
        return False
    if not isinstance(stored, str) or not isinstance(server, str):
        return False
    stored_ok = hmac.compare_digest(mine_stored.encode("ascii"), stored.encode("utf-8", "replace"))
    server_ok = hmac.compare_digest(mine_server.encode("ascii"), server.encode("utf-8", "replace"))
    return stored_ok and server_ok


def make_credentials(password: str, mechanism: str = "SCRAM-SHA-256", iterations: int = 15000, salt_b64: str | None = None,
                     user: str | None = None) -> dict[str, t.Any]:
    """A credentials entry in MongoDB's shape, with a random salt unless one is given (MongoDB's
    own salts are 28 bytes for SCRAM-SHA-256 and 16 for SCRAM-SHA-1)."""
    if salt_b64 is None:
        salt_b64 = base64.b64encode(os.urandom(28 if mechanism == "SCRAM-SHA-256" else 16)).decode("ascii")
    stored, server = scram_keys(mechanism, password, salt_b64, iterations, user=user)
    return {"iterationCount": int(iterations), "salt": salt_b64, "storedKey": stored, "serverKey": server}
