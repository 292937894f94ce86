"""Curve25519 against RFC 7748's test vectors, and keys as `wg` writes them."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest

from ansible_collections.nova.dgx.plugins.module_utils._x25519 import decode_key, generate_private_key, public_key, x25519


def test_rfc7748_section_5_2_vector() -> None:
    scalar = bytes.fromhex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4")
    u = bytes.fromhex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")
    assert x25519(scalar, u).hex() == "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"


def test_rfc7748_section_6_1_diffie_hellman() -> None:
    alice = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    bob = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    nine = (9).to_bytes(32, "little")
    alice_public = x25519(alice, nine)
    assert alice_public.hex() == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    shared = x25519(alice, x25519(bob, nine))
    assert shared == x25519(bob, alice_public)
    assert shared.hex() == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"


def test_public_key_in_wireguard_encoding() -> None:
    private = base64.b64encode(bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")).decode()
    assert public_key(private) == base64.b64encode(bytes.fromhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")).decode()


def test_generated_keys_are_clamped_and_distinct() -> None:
    keys = {generate_private_key() for _count in range(20)}
    assert len(keys) == 20
    for key in keys:
        raw = decode_key(key)
        assert raw is not None and raw[0] & 7 == 0 and raw[31] & 128 == 0 and raw[31] & 64


@pytest.mark.parametrize("text", ["", "short=", "A" * 44, base64.b64encode(b"x" * 31).decode(), "!" * 43 + "="])
def test_non_keys_are_refused(text: str) -> None:
    assert decode_key(text) is None
    with pytest.raises(ValueError, match="not a WireGuard key"):
        public_key(text)


@pytest.mark.skipif(shutil.which("wg") is None, reason="wireguard-tools not installed here")
def test_agrees_with_wg_pubkey() -> None:
    private = generate_private_key()
    assert subprocess.run(["wg", "pubkey"], input=private, capture_output=True, text=True, check=True).stdout.strip() == public_key(private)
