# Copyright: nova.dgx contributors
# Apache License 2.0 (see LICENSE)
"""Parse OpenSSH public key lines (authorized_keys format) without any third-party library."""

from __future__ import annotations

import base64
import binascii
import struct

# Key types OpenSSH accepts for user authentication today (DSA is gone since 9.8).
KEY_TYPES: frozenset[str] = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)


def public_key_error(line: object) -> str | None:
    """Return why ``line`` is not a usable public key line, or None when it is.

    Accepted form: ``<type> <base64 blob> [comment]``. The blob must decode and must
    itself start with the declared key type, which catches truncated or mixed-up keys.
    """
    if not isinstance(line, str):
        return f"must be a string, got {type(line).__name__}"
    parts = line.strip().split(None, 2)
    if len(parts) < 2:
        return "must look like '<type> <base64> [comment]'"
    key_type, blob = parts[0], parts[1]
    if key_type not in KEY_TYPES:
        if "=" in key_type or "," in key_type:
            return "starts with key options; give the bare key (options are not supported here)"
        return f"has unknown key type '{key_type}' (expected one of {', '.join(sorted(KEY_TYPES))})"
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return "has a key body that is not valid base64"
    if len(raw) < 4:
        return "has a key body that is too short"
    (length,) = struct.unpack(">I", raw[:4])
    embedded = raw[4 : 4 + length]
    if embedded != key_type.encode("ascii"):
        return "has a key body that does not match its declared type (truncated or pasted wrong?)"
    return None
