# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""WireGuard keys (Curve25519, RFC 7748) in pure Python, so hosts need no extra library.

Only what a key pair needs: a clamped random private key and its public key. Speed is
irrelevant (one scalar multiplication per run); correctness is checked against RFC 7748's
test vectors in the unit tests.
"""

from __future__ import annotations

import base64
import binascii
import os

_P = 2**255 - 19
_A24 = 121665
_BASE_U = 9


def _clamp(scalar: bytes) -> int:
    k = bytearray(scalar)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    return int.from_bytes(bytes(k), "little")


def x25519(scalar: bytes, u_coordinate: bytes) -> bytes:
    """RFC 7748 X25519(k, u) on 32-byte little-endian strings."""
    k = _clamp(scalar)
    x1 = int.from_bytes(u_coordinate, "little") & ((1 << 255) - 1)
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in reversed(range(255)):
        bit = (k >> t) & 1
        swap ^= bit
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a, b = (x2 + z2) % _P, (x2 - z2) % _P
        aa, bb = a * a % _P, b * b % _P
        e = (aa - bb) % _P
        c, d = (x3 + z3) % _P, (x3 - z3) % _P
        da, cb = d * a % _P, c * b % _P
        x3 = (da + cb) ** 2 % _P
        z3 = x1 * (da - cb) ** 2 % _P
        x2 = aa * bb % _P
        z2 = e * (aa + _A24 * e) % _P
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, _P - 2, _P) % _P).to_bytes(32, "little")


def generate_private_key() -> str:
    """A new private key, base64 as `wg genkey` prints it (clamped like wg does)."""
    raw = bytearray(os.urandom(32))
    raw[0] &= 248
    raw[31] = (raw[31] & 127) | 64
    return base64.b64encode(bytes(raw)).decode("ascii")


def decode_key(text: str) -> bytes | None:
    """The 32 raw bytes of a base64 WireGuard key, or None when it is not one."""
    text = text.strip()
    if len(text) != 44 or not text.endswith("="):
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


def public_key(private_key: str) -> str:
    """The public key for a base64 private key, as `wg pubkey` prints it."""
    raw = decode_key(private_key)
    if raw is None:
        raise ValueError("not a WireGuard key (44 characters of base64 encoding 32 bytes)")
    return base64.b64encode(x25519(raw, _BASE_U.to_bytes(32, "little"))).decode("ascii")
