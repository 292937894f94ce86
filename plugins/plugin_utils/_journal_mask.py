# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mask secrets in anything the journal writes: values under secret-looking keys, and those
values wherever else they appear (a message, a diff, a command line)."""

from __future__ import annotations

import re
import typing as t

MASK = "********"
SECRET_KEY = re.compile(
    r"(pass(word|wd|phrase)?|secret|token|private_?key|api_?key|access_?key|credential|auth|cookie|session_?key|pwd|vault_pass)",
    re.I,
)
# "password = hunter2", "token: abc", "API_KEY=xyz" inside free text and diffs.
_INLINE = re.compile(
    r"(?P<key>[\w.-]*(?:pass(?:word|wd|phrase)?|secret|token|private_?key|api_?key|access_?key|credential)[\w.-]*)"
    r"(?P<sep>[\"']?\s*[:=]\s*[\"']?)(?P<value>[^\s\"',}]+)",
    re.I,
)
_MIN_SECRET_LEN = 4


class Masker:
    """Remembers secret values as it masks, so later text can be scrubbed of them too."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def data(self, value: t.Any, key: str = "") -> t.Any:
        if key and SECRET_KEY.search(key) and not isinstance(value, (bool, type(None))):
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

    def text(self, value: str) -> str:
        def inline(match: re.Match[str]) -> str:
            if match.group("value") != MASK:
                self._remember(match.group("value"))
            return f"{match.group('key')}{match.group('sep')}{MASK}"

        value = _INLINE.sub(inline, value)
        for secret in sorted(self.secrets, key=len, reverse=True):
            value = value.replace(secret, MASK)
        return value
