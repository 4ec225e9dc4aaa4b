#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Draws bench.sh's table as a picture: for every window row (race and
# trigger), log-scale horizontal bars of events per second for the suite,
# the obvious loop, the best peer and, when the table has one, the
# ceiling.  Input is the tab-separated table bench.sh writes next to its
# records (a header line naming the columns: race, kind, event, suite,
# obvious, best_peer, best_peer_name and optionally ceiling; a value is a
# number, "n/a" (event not attached) or "-" (subject not run)).  Output is
# one self-contained SVG file.  Python 3 standard library only.
#
# Usage: svg.py [--title TEXT] TABLE.tsv OUT.svg

import argparse
import csv
import math
import sys
from xml.sax.saxutils import escape

BARS = [
    # column, legend, colour
    ("suite", "suite (this race's test)", "#1f77b4"),
    ("obvious", "obvious loop", "#ff7f0e"),
    ("best_peer", "best peer", "#2ca02c"),
    ("ceiling", "ceiling (pages migrated)", "#7f7f7f"),
]
MISSING = {"-": "not run", "n/a": "not attached"}
LABEL_W = 380       # left column: race, trigger and event
PLOT_W = 520        # the bars
VALUE_W = 150       # right of the longest bar: its value and peer
BAR_H = 12
BAR_GAP = 3
ROW_GAP = 14
TOP = 70
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def number(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_rows(path):
    with open(path, newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        missing = {"race", "kind", "event", "suite"} - set(reader.fieldnames or [])
        if missing:
            sys.exit(f"svg.py: {path}: no column {', '.join(sorted(missing))}")
        return [r for r in reader if r["kind"] == "window"]


def scale(rows, bars):
    """Decades of the x axis: from below the smallest rate to above the largest."""
    values = [number(r.get(col, "")) for r in rows for col, _, _ in bars]
    positive = [v for v in values if v is not None and v > 0]
    if not positive:
        return -1, 1
    lo = math.floor(math.log10(min(positive)))
    hi = math.ceil(math.log10(max(positive)))
    return min(lo, -1), max(hi, lo + 1)


def decade_label(d):
    v = 10 ** d
    if v >= 1000:
        return f"{v / 1000:g}k"
    return f"{v:g}"


def draw(rows, title, out):
    bars = [b for b in BARS if any(b[0] in r for r in rows)]
    lo, hi = scale(rows, bars)

    def x(v):
        return LABEL_W + PLOT_W * (math.log10(v) - lo) / (hi - lo)

    group_h = len(bars) * (BAR_H + BAR_GAP) + ROW_GAP
    width = LABEL_W + PLOT_W + VALUE_W
    height = TOP + len(rows) * group_h + 40
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
         f'height="{height}" viewBox="0 0 {width} {height}" {FONT} font-size="11">',
         f'<title>{escape(title)}</title>',
         f'<rect width="{width}" height="{height}" fill="white"/>',
         f'<text x="10" y="18" font-size="13" font-weight="bold">{escape(title)}</text>']
    lx = 10
    for _, legend, colour in bars:
        s.append(f'<rect x="{lx}" y="28" width="10" height="10" fill="{colour}"/>')
        s.append(f'<text x="{lx + 14}" y="37">{escape(legend)}</text>')
        lx += 24 + 6.5 * len(legend)
    s.append(f'<text x="{LABEL_W}" y="56" fill="#555">'
             'events per second, log scale; 0: none counted</text>')
    bottom = TOP + len(rows) * group_h
    for d in range(lo, hi + 1):
        gx = x(10 ** d)
        s.append(f'<line x1="{gx:.1f}" y1="{TOP - 6}" x2="{gx:.1f}" y2="{bottom}" '
                 'stroke="#ddd"/>')
        s.append(f'<text x="{gx:.1f}" y="{bottom + 14}" text-anchor="middle" '
                 f'fill="#555">{decade_label(d)}</text>')
    y = TOP
    race = None
    for r in rows:
        if r["race"] != race and race is not None:
            s.append(f'<line x1="10" y1="{y - ROW_GAP / 2:.1f}" x2="{width - 10}" '
                     f'y2="{y - ROW_GAP / 2:.1f}" stroke="#999"/>')
        race = r["race"]
        s.append(f'<text x="10" y="{y + BAR_H}" font-weight="bold">'
                 f'{escape(r["race"])}</text>')
        s.append(f'<text x="40" y="{y + BAR_H}">{escape(r["event"])}</text>')
        for i, (col, _, colour) in enumerate(bars):
            by = y + i * (BAR_H + BAR_GAP)
            text = r.get(col, "-") or "-"
            v = number(text)
            note = ""
            if col == "best_peer" and r.get("best_peer_name", "-") not in ("", "-"):
                note = f' ({r["best_peer_name"]})'
            if v is not None and v > 0:
                end = max(x(v), LABEL_W + 1)
                s.append(f'<rect x="{LABEL_W}" y="{by}" width="{end - LABEL_W:.1f}" '
                         f'height="{BAR_H}" fill="{colour}"/>')
                label = f"{v:,.1f}" if v < 100 else f"{v:,.0f}"
            else:
                end = LABEL_W
                label = "0" if v is not None else MISSING.get(text, text)
                if col == "best_peer" and v == 0:
                    note = " (every peer)"
            s.append(f'<text x="{end + 4:.1f}" y="{by + BAR_H - 2}" fill="#333">'
                     f'{escape(label + note)}</text>')
        y += group_h
    s.append("</svg>")
    with open(out, "w") as f:
        f.write("\n".join(s) + "\n")


def main():
    ap = argparse.ArgumentParser(description="Draw bench.sh's table as an SVG picture.")
    ap.add_argument("--title", default="migration_races bench: window events per second")
    ap.add_argument("table")
    ap.add_argument("out")
    args = ap.parse_args()
    rows = read_rows(args.table)
    if not rows:
        sys.exit(f"svg.py: {args.table}: no window rows")
    draw(rows, args.title, args.out)


if __name__ == "__main__":
    main()
