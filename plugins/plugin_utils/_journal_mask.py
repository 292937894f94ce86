# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mask secrets in anything the journal writes: values under secret-looking keys, and those
values wherever else they appear (a message, a diff, a command line)."""

from __future__ import annotations

import re
import typing as t

try:  # ansible-core 2.19: a !vault value, and a plain string decrypted from one, are recognisable.
    from ansible._internal._datatag._tags import VaultedValue
    from ansible.parsing.vault import EncryptedString
except ImportError:  # pragma: no cover - the collection requires 2.19
    VaultedValue = EncryptedString = None

MASK = "********"
SECRET_KEY = re.compile(
    r"(pass(word|wd|phrase)?|secret|token|private_?key|api_?key|access_?key|credential|auth|cookie|session_?key|pwd|vault_pass"
    r"|preshared_?key|psk|(?<!public)(?<!pub)_key$)",
    re.I,
)
# Settings about passwords, not passwords: PostgreSQL's password_encryption (scram-sha-256), sshd's
# PasswordAuthentication. Their values are shown, and never learnt as secrets.
_SETTING_NAME = re.compile(r"[\w.-]*pass(?:word|wd)_?(?:encryption|authentication)", re.I)


def secret_name(key: str) -> bool:
    """Whether values under ``key`` are secrets (a secret-looking name that is not a setting about passwords)."""
    return bool(key and SECRET_KEY.search(key) and not _SETTING_NAME.fullmatch(key))


# "password = hunter2", "token: abc", "API_KEY=xyz", "PresharedKey = ..." inside free text and diffs.
_INLINE = re.compile(
    r"(?P<key>[\w.-]*(?:pass(?:word|wd|phrase)?|secret|token|private_?key|api_?key|access_?key|credential|preshared_?key|psk)[\w.-]*)"
    r"(?P<sep>[\"']?\s*[:=]\s*[\"']?)(?P<value>[^\s\"',}]+)",
    re.I,
)
# Forms without = or : (value in the group "value"): URL userinfo (scheme://user:PASS@host),
# an Authorization header or a bare bearer token, and netrc's "login USER password PASS" or a
# line that is only "password PASS".
_FORMS = (
    re.compile(r"(?P<lead>\b[a-z][a-z0-9+.-]*://[^\s:/@]+:)(?P<value>[^\s@/]+)(?=@)", re.I),
    re.compile(r"(?P<lead>\bauthorization\s*[:=]\s*(?:bearer|basic|token|negotiate)\s+)(?P<value>[^\s\"',}]+)", re.I),
    re.compile(r"(?P<lead>\bbearer\s+)(?P<value>[A-Za-z0-9._~+/=-]{8,})", re.I),
    re.compile(r"(?P<lead>\blogin\s+\S+\s+(?:password|passwd)\s+)(?P<value>\S+)", re.I),
    re.compile(r"(?P<lead>^[ \t]*(?:password|passwd)[ \t]+)(?P<value>\S+)(?=[ \t]*$)", re.I | re.M),
)
_MIN_SECRET_LEN = 4
# A value found inline is masked where it stands; it is also masked everywhere else in the report
# only when it looks like a secret, so "password=value" in a task name does not mask every "value".
_WORDLIKE = re.compile(r"^[A-Za-z]{1,11}$")


def vaulted(value: t.Any) -> str | None:
    """The plaintext of a !vault value (or of a string decrypted from one), else None."""
    try:
        if EncryptedString is not None and isinstance(value, EncryptedString):
            return str(value)
        if VaultedValue is not None and isinstance(value, str) and VaultedValue.is_tagged_on(value):
            return str(value)
    except Exception:  # pylint: disable=broad-exception-caught  # no vault secret here: it cannot leak either
        return None
    return None


class Masker:
    """Remembers secret values as it masks, so later text can be scrubbed of them too."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def learn(self, value: t.Any, key: str = "") -> None:
        """Remember secrets in data without masking or reading free text: values under secret-looking
        names, and every !vault value whatever its name (host variables, task results)."""
        plain = vaulted(value)
        if plain is not None:
            self._remember(plain)
        elif isinstance(value, dict):
            # A mapping under a secret-looking name is searched, not swallowed whole: getent's
            # `getent_passwd` holds every account, and "sync" or "root" are not secrets.
            for k, v in value.items():
                self.learn(v, str(k))
        elif isinstance(value, (list, tuple)):
            for v in value:
                self.learn(v, key if secret_name(key) and not isinstance(v, (dict, list, tuple)) else "")
        elif secret_name(key) and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            # A plain word under a secret-looking option name is a setting (update_password: always).
            if not _WORDLIKE.match(str(value)):
                self._remember(value)

    def data(self, value: t.Any, key: str = "") -> t.Any:
        plain = vaulted(value)
        if plain is not None:
            self._remember(plain)
            return MASK
        if secret_name(key) and not isinstance(value, (bool, type(None))):
            self._remember(value)
            return MASK
        if isinstance(value, dict):
            return {k: self.data(v, str(k)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def scrub(self, value: t.Any) -> t.Any:
        """Scrub known secrets and inline ``key=value`` secrets from every string; keys are left alone."""
        if isinstance(value, dict):
            return {k: self.scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def _remember(self, value: t.Any) -> None:
        if isinstance(value, (dict, list, tuple)):
            for item in value.values() if isinstance(value, dict) else value:
                self._remember(item)
        elif value is not None and len(str(value)) >= _MIN_SECRET_LEN:
            self.secrets.add(str(value))

    def _found(self, secret: str) -> None:
        if secret != MASK and not _WORDLIKE.match(secret):
            self._remember(secret)

    def text(self, value: str) -> str:
        def inline(match: re.Match[str]) -> str:
            if _SETTING_NAME.fullmatch(match.group("key")):
                return match.group(0)
            self._found(match.group("value"))
            return f"{match.group('key')}{match.group('sep')}{MASK}"

        def form(match: re.Match[str]) -> str:
            self._found(match.group("value"))
            return f"{match.group('lead')}{MASK}"

        value = _INLINE.sub(inline, value)
        for pattern in _FORMS:
            value = pattern.sub(form, value)
        for secret in sorted(self.secrets, key=len, reverse=True):
            value = value.replace(secret, MASK)
        return value
