# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A run's timeline as SVG: one lane per host, time left to right, one entry per task result coloured by the result,
the slowest tasks labelled. Plain SVG 1.1, no script, no external reference: it opens in a browser from the journal."""

from __future__ import annotations

from xml.sax.saxutils import escape

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_types import RunReport

__all__ = ["COLOURS", "timeline_svg"]

COLOURS = {"ok": "#4c9a2a", "changed": "#e0a100", "failed": "#c62828", "unreachable": "#6a1b9a", "skipped": "#b0b0b0"}
_LANE, _BAR, _LEFT, _WIDTH, _TOP = 28, 18, 150, 1200, 44
_LABELLED = 8  # the slowest results get their task's name beside the entry


def _fmt(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"


def timeline_svg(run: RunReport) -> str:
    """The SVG text for a run's report (its ``timeline``); a report without one gives a picture that says so."""
    bars = list(run.get("timeline") or [])
    hosts = sorted({entry["host"] for entry in bars})
    span = max([entry["end_s"] for entry in bars] + [float(run.get("duration_s") or 0.0), 0.001])
    scale = _WIDTH / span
    height = _TOP + _LANE * max(len(hosts), 1) + 40
    title = f"{run['playbook']} ({run['id']}, {run['started_at']}): {run['status']}, {_fmt(span)}"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_LEFT + _WIDTH + 20}" height="{height}" font-family="sans-serif" font-size="11">',
           f"<title>{escape(title)}</title>",
           f'<text x="10" y="18" font-size="13" font-weight="bold">{escape(title)}</text>']
    legend = 10
    for result, colour in COLOURS.items():
        out.append(f'<rect x="{legend}" y="26" width="10" height="10" fill="{colour}"/><text x="{legend + 14}" y="35">{result}</text>')
        legend += 90
    for lane, host in enumerate(hosts):
        y = _TOP + lane * _LANE
        out.append(f'<text x="10" y="{y + _BAR - 5}">{escape(host)}</text>')
        out.append(f'<line x1="{_LEFT}" y1="{y + _BAR + 4}" x2="{_LEFT + _WIDTH}" y2="{y + _BAR + 4}" stroke="#eeeeee"/>')
    slowest = sorted(range(len(bars)), key=lambda i: -(bars[i]["end_s"] - bars[i]["start_s"]))[:_LABELLED]
    for index, entry in enumerate(bars):
        y = _TOP + hosts.index(entry["host"]) * _LANE
        x = _LEFT + entry["start_s"] * scale
        width = max((entry["end_s"] - entry["start_s"]) * scale, 0.5)
        name = f"{entry['role'] + ': ' if entry['role'] else ''}{entry['task']}"
        tip = f"{name} on {entry['host']}: {entry['result']}, {entry['end_s'] - entry['start_s']:.2f} s (from {entry['start_s']:.1f} s)"
        out.append(f'<rect class="bar" data-result="{entry["result"]}" x="{x:.1f}" y="{y}" width="{width:.1f}" height="{_BAR}" '
                   f'fill="{COLOURS.get(entry["result"], "#000000")}"><title>{escape(tip)}</title></rect>')
        if index in slowest and entry["end_s"] - entry["start_s"] >= span / 100:
            out.append(f'<text class="label" x="{x + width + 3:.1f}" y="{y + _BAR - 5}">{escape(name[:60])} '
                       f'({_fmt(entry["end_s"] - entry["start_s"])})</text>')
    axis = _TOP + _LANE * max(len(hosts), 1) + 14
    for step in range(6):
        x = _LEFT + _WIDTH * step / 5
        out.append(f'<text x="{x:.1f}" y="{axis}" text-anchor="middle">{_fmt(span * step / 5)}</text>')
    if not bars:
        out.append(f'<text x="{_LEFT}" y="{_TOP + 14}">{escape("no task results recorded")}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
