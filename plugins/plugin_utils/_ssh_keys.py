# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parse OpenSSH public key lines (authorized_keys format) without any third-party library."""

from __future__ import annotations

import base64
import binascii
import struct

# Key types OpenSSH accepts for user authentication today (DSA is gone since 9.8), with the
# number of length-prefixed fields in the key body, the type name included.
KEY_FIELDS: dict[str, int] = {
    "ssh-ed25519": 2,
    "ssh-rsa": 3,
    "ecdsa-sha2-nistp256": 3,
    "ecdsa-sha2-nistp384": 3,
    "ecdsa-sha2-nistp521": 3,
    "sk-ssh-ed25519@openssh.com": 3,
    "sk-ecdsa-sha2-nistp256@openssh.com": 4,
}
KEY_TYPES: frozenset[str] = frozenset(KEY_FIELDS)
MIN_RSA_BITS = 2048


def _fields(raw: bytes) -> list[bytes] | None:
    """Split an SSH wire-format blob into its length-prefixed fields; None if it does not add up."""
    fields, pos = [], 0
    while pos < len(raw):
        if pos + 4 > len(raw):
            return None
        (length,) = struct.unpack(">I", raw[pos : pos + 4])
        pos += 4
        if pos + length > len(raw):
            return None
        fields.append(raw[pos : pos + length])
        pos += length
    return fields


def public_key_error(line: object) -> str | None:
    """Return why ``line`` is not a usable public key line, or None when it is.

    Accepted form: ``<type> <base64 body> [comment]``. The body must decode, hold exactly
    the fields its type has, and name the declared type itself, which catches truncated
    or mixed-up keys.
    """
    if not isinstance(line, str):
        return "must be a string"
    parts = line.strip().split(None, 2)
    if len(parts) < 2:
        return "must look like '<type> <base64> [comment]'"
    key_type, body = parts[0], parts[1]
    if key_type not in KEY_FIELDS:
        if "=" in key_type or "," in key_type:
            return "starts with key options; give the bare key (options are not supported here)"
        return f"has unknown key type '{key_type}' (expected one of {', '.join(sorted(KEY_FIELDS))})"
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return "has a key body that is not valid base64"
    fields = _fields(raw)
    if not fields or len(fields) != KEY_FIELDS[key_type]:
        return "has a key body that is truncated or malformed"
    if fields[0] != key_type.encode("ascii"):
        return "has a key body that does not match its declared type (pasted wrong?)"
    if key_type in ("ssh-ed25519", "sk-ssh-ed25519@openssh.com") and len(fields[1]) != 32:
        return "has an ed25519 key that is not 32 bytes long"
    if key_type == "ssh-rsa":
        bits = int.from_bytes(fields[2], "big").bit_length()
        if bits < MIN_RSA_BITS:
            return f"is an RSA key of {bits} bits; use at least {MIN_RSA_BITS} (or ed25519)"
    return None
