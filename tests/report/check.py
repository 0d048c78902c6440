#!/usr/bin/env python3
"""tests/report/check.py DOM JSONDIR RUNS_CSV: checks a report's DOM as headless
Chromium dumped it (tests/report/run.sh).

- The page marked itself rendered (body data-rendered="yes"), with no error
  recorded (data-errors, #errors: console.error, uncaught errors, refused
  requests), and every chart drew (each div.chart data-rendered="yes", as
  many as body data-charts).
- Every number in its tables, tagged data-json="DOC:PATH", equals the value
  at PATH of JSONDIR/DOC.json (the JSON output of cjm run, compare or fixes
  for the same command) to within half a unit of its last printed digit.
- Each histogram's bins (data-bin="runs" for profit, "runs.METRIC" for
  --metric's) hold the runs' values of RUNS_CSV (cjm run --runs-out): the
  counts of the same bins recomputed from them.
Prints one line per failure and exits 1 if there is any."""
import csv
import html.parser
import json
import math
import os
import sys


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.body = None
        self.charts = []
        self.errors_text = []
        self.cells = []  # (data-json, text)
        self.bins = []  # (kind, text)
        self.stack = []  # open elements that collect text: [kind, key, parts]
        self.in_errors = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'body' and self.body is None:
            self.body = a
        if tag == 'div' and 'chart' in (a.get('class') or '').split():
            self.charts.append(a)
        if tag == 'pre' and a.get('id') == 'errors':
            self.in_errors = True
        if 'data-json' in a:
            self.stack.append(['json', a['data-json'], []])
        elif 'data-bin' in a:
            self.stack.append(['bin', a['data-bin'], []])

    def handle_endtag(self, tag):
        if tag == 'pre':
            self.in_errors = False
        if tag in ('td', 'span') and self.stack:
            kind, key, parts = self.stack.pop()
            (self.cells if kind == 'json' else self.bins).append((key, ''.join(parts).strip()))

    def handle_data(self, data):
        if self.in_errors:
            self.errors_text.append(data)
        if self.stack:
            self.stack[-1][2].append(data)


def parse_number(text):
    """The value printed and half a unit of its last digit (None for '-')."""
    t = text.replace(',', '')
    if t == '-':
        return None, 0
    scale = 1.0
    if t.endswith('%'):
        t, scale = t[:-1], 0.01
    mantissa, _, exponent = t.lower().partition('e')  # %g: 1.5e+06
    decimals = len(mantissa.split('.')[1]) if '.' in mantissa else 0
    scale_digit = 10 ** (int(exponent) if exponent else 0)
    return float(t) * scale, 0.5 * 10 ** -decimals * scale_digit * scale


def lookup(docs, where):
    doc, path = where.split(':', 1)
    v = docs[doc]
    for part in path.split('.'):
        v = v[int(part)] if isinstance(v, list) else v[part]
    return v


def main():
    dom_path, json_dir, runs_csv = sys.argv[1:4]
    failures = []
    dom = Dom()
    with open(dom_path, encoding='utf-8') as f:
        dom.feed(f.read())
    body = dom.body or {}
    if body.get('data-rendered') != 'yes':
        failures.append('the page is not marked rendered (data-rendered=%r)' % body.get('data-rendered'))
    if body.get('data-errors') or ''.join(dom.errors_text).strip():
        failures.append('the page recorded errors: %s' % ''.join(dom.errors_text).strip()[:2000])
    if not dom.charts or body.get('data-charts') != str(len(dom.charts)):
        failures.append('%d chart areas, the page drew %s' % (len(dom.charts), body.get('data-charts')))
    for c in dom.charts:
        if c.get('data-rendered') != 'yes':
            failures.append('chart %s did not draw' % c.get('id'))

    docs = {}
    for name in os.listdir(json_dir):
        if name.endswith('.json'):
            with open(os.path.join(json_dir, name), encoding='utf-8') as f:
                docs[name[:-5]] = json.load(f)
    checked = 0
    for where, text in dom.cells:
        try:
            want = lookup(docs, where)
        except (KeyError, IndexError, ValueError) as e:
            failures.append('%s: not in the JSON (%s)' % (where, e))
            continue
        got, tol = parse_number(text)
        checked += 1
        if got is None or want is None:
            if got is not want and not (got is None and want is None):
                failures.append('%s: the page says %r, the JSON %r' % (where, text, want))
            continue
        if abs(got - want) > tol + 1e-9 * max(1.0, abs(want)):
            failures.append('%s: the page says %r, the JSON %r' % (where, text, want))
    if checked < 50:
        failures.append('only %d numbers tagged in the tables' % checked)

    with open(runs_csv, newline='', encoding='utf-8') as f:
        # the "# key: value" lines of the scenario and settings come first
        rows = list(csv.DictReader(line for line in f if not line.startswith('#')))
    kinds = sorted(set(k for k, _ in dom.bins if k.startswith('runs')))
    if 'runs' not in kinds:
        failures.append('no histogram of profit')
    for kind in kinds:
        column = kind.partition('.')[2] or 'profit'
        values = [float(r[column]) for r in rows if r.get(column) not in (None, '')]
        counts = [int(t) for k, t in dom.bins if k == kind]
        check_bins(failures, column, counts, values)

    for line in failures:
        print('%s: %s' % (dom_path, line))
    print('%s: %d numbers checked, %d charts, %d histograms' % (dom_path, checked, len(dom.charts), len(kinds)))
    return 1 if failures else 0


def check_bins(failures, column, counts, profits):
    """A histogram's counts against the runs' values of its column."""
    if sum(counts) != len(profits):
        failures.append('the histogram of %s holds %d runs, there are %d' % (column, sum(counts), len(profits)))
    elif profits:
        bins, lo, hi = len(counts), min(profits), max(profits)
        want = [0] * bins
        edge = 0  # values within rounding of a bin's edge may fall either side
        for v in profits:
            x = (v - lo) / (hi - lo) * bins if hi > lo else 0
            b = min(bins - 1, max(0, int(math.floor(x))))
            want[b] += 1
            if abs(x - round(x)) < 1e-6 and 0 < round(x) < bins:
                edge += 1
        off = sum(abs(a - b) for a, b in zip(counts, want))
        if off > 2 * edge:
            failures.append('histogram of %s: counts %s, the runs give %s' % (column, counts, want))


if __name__ == '__main__':
    sys.exit(main())
