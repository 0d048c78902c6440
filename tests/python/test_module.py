"""tests/python/test_module.py: the Python module against the cjm command.

For every example scenario, the module's numbers equal the JSON the cjm
binary writes for the same command (to the 12 significant digits JSON
prints): metrics, funnel, retention, cash flow, payback, breakdown and the
loyalty block; comparisons' deltas and a tornado's rows likewise; errors
raise cjm.Error with the binary's message and exit status. Run by
tests/python/run.sh (ctest "python") with CJM_BINARY, CJM_LIBRARY and
PYTHONPATH set."""

import glob
import json
import math
import os
import subprocess
import tempfile
import unittest

import cjm

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CJM = os.environ["CJM_BINARY"]
EXAMPLES = sorted(glob.glob(os.path.join(TOP, "scenarios", "*.lua")))
RUN = dict(runs=4, customers=1500, seed=7)
RUN_ARGS = ["--runs", "4", "--customers", "1500", "--seed", "7"]


def cli_json(*args):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out.json")
        p = subprocess.run([CJM, *args, "--format", "json", "-o", out], capture_output=True,
                           text=True, cwd=TOP)
        if p.returncode != 0:
            raise AssertionError("cjm %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr))
        with open(out) as f:
            return json.load(f)


def rel(path):
    return os.path.relpath(path, TOP)


class Close:
    """Assertions that a module number is the JSON's (None there: NaN here)."""

    def close(self, got, want, what):
        if want is None:
            self.assertTrue(got is None or math.isnan(got), "%s: %r, JSON null" % (what, got))
            return
        self.assertFalse(got is None or math.isnan(got), "%s: NaN, JSON %r" % (what, want))
        tol = 5e-11 * max(abs(want), abs(got)) + 1e-300
        self.assertLessEqual(abs(got - want), tol, "%s: %r, JSON %r" % (what, got, want))

    def summary(self, row, js, what, percentiles=True):
        self.close(row["mean"], js["mean"], what + ".mean")
        self.close(row["se"], js["se"], what + ".se")
        self.close(row["lo"], js["ci95"][0], what + ".lo")
        self.close(row["hi"], js["ci95"][1], what + ".hi")
        if percentiles and "p5" in js:
            for p in ("p5", "p50", "p95"):
                self.close(row[p], js[p], what + "." + p)


class RunMatchesCli(unittest.TestCase, Close):
    def check_result(self, r, js, name):
        m = r.metrics
        for metric, v in js["metrics"].items():
            self.summary(m.loc[metric], v, "%s: metrics.%s" % (name, metric))
        self.assertEqual(sorted(js["metrics"]), sorted(x for x in m.index if x in js["metrics"]))
        f = r.funnel
        self.assertEqual(list(f.index), [s["stage"] for s in js["funnel"]])
        for s in js["funnel"]:
            self.summary(f.loc[s["stage"]], s["reached"], "%s: funnel.%s" % (name, s["stage"]))
        ret = r.retention
        self.assertEqual(len(ret), len(js["retention"]))
        for k in js["retention"]:
            self.summary(ret.loc[k["k"]], k, "%s: retention[%d]" % (name, k["k"]), False)
        if "cashflow" in js:
            cf = r.cashflow
            self.assertEqual(len(cf), len(js["cashflow"]["steps"]))
            for step in js["cashflow"]["steps"]:
                for k in cjm.Result._CASH:
                    row = {"mean": cf.loc[step["t"], k], "lo": cf.loc[step["t"], k + "_lo"],
                           "hi": cf.loc[step["t"], k + "_hi"], "se": step[k]["se"]}
                    self.summary(row, step[k], "%s: cashflow[%d].%s" % (name, step["t"], k), False)
            self.assertEqual(r.payback, js["cashflow"]["payback"]["step"], name + ": payback")
        if "breakdown" in js:
            b = r.breakdown
            self.assertEqual(list(b.index), [x["line"] for x in js["breakdown"]])
            for x in js["breakdown"]:
                self.summary(b.loc[x["line"]], x, "%s: breakdown %s" % (name, x["line"]))
                self.assertEqual(b.loc[x["line"], "kind"], x["kind"])
        t = r.transitions
        self.assertEqual([(x["from"], x["to"]) for x in js["transitions"]], list(t.index))
        for x in js["transitions"]:
            row = t.loc[(x["from"], x["to"])]
            self.assertEqual(row["path"], x["path"])
            self.summary(row, x["customers"], "%s: transitions %s" % (name, x["path"]))
        if "loyalty" in js:
            y = r.loyalty
            self.assertIsNotNone(y, name + ": no loyalty frame")
            for group in ("members", "points"):
                for k, v in js["loyalty"][group].items():
                    key = k if group == "points" and k in ("breakage", "liability") else \
                        group + "_" + k
                    self.summary(y.loc[key], v, "%s: loyalty.%s.%s" % (name, group, k))
            self.summary(y.loc["purchases_per_customer"], js["loyalty"]["purchases_per_customer"],
                         name + ": loyalty.purchases_per_customer")
        else:
            self.assertIsNone(r.loyalty)

    def test_every_example_agent(self):
        for path in EXAMPLES:
            with self.subTest(path=rel(path)):
                js = cli_json("run", rel(path), *RUN_ARGS)
                r = cjm.run(path, **RUN)
                self.check_result(r, js, rel(path))
                self.assertEqual(r.scenario["sha256"], js["scenario"]["sha256"])
                self.assertEqual(r.settings["runs"], js["settings"]["runs"])

    def test_examples_with_a_variant_and_set(self):
        js = cli_json("run", "scenarios/coffee_shop.lua", "--variant", "program", *RUN_ARGS)
        self.check_result(cjm.run(os.path.join(TOP, "scenarios/coffee_shop.lua"),
                                  variant="program", **RUN), js, "coffee_shop program")
        js = cli_json("run", "scenarios/beauty_clinic.lua", "--set",
                      "transitions.consult.client=0.5", *RUN_ARGS)
        r = cjm.run(os.path.join(TOP, "scenarios/beauty_clinic.lua"),
                    set={"transitions.consult.client": 0.5}, **RUN)
        self.check_result(r, js, "beauty_clinic --set")

    def test_exact_engine(self):
        path = os.path.join(TOP, "scenarios", "beauty_clinic.lua")
        js = cli_json("run", rel(path), "--engine", "exact", "--runs", "1")
        r = cjm.run(path, engine="exact", runs=1)
        self.check_result(r, js, "beauty_clinic exact")
        self.assertTrue(bool(r.metrics.loc["conversion", "exact"]))

    def test_runs_frame(self):
        r = cjm.run(os.path.join(TOP, "scenarios", "beauty_clinic.lua"), **RUN)
        self.assertEqual(len(r.runs), RUN["runs"])
        self.close(r.runs["profit"].mean(), r["profit"], "mean of per-run profits")

    def test_own_reports(self):
        path = os.path.join(TOP, "scenarios", "beauty_clinic.lua")
        js = cli_json("run", rel(path), *RUN_ARGS)
        self.assertEqual(json.loads(cjm.run(path, **RUN).json())["metrics"], js["metrics"])

    def test_csv_reads_with_pandas(self):
        # the "# key: value" block atop the CSV is what read_csv(comment='#') skips
        import io
        import pandas
        path = os.path.join(TOP, "scenarios", "pram_online.lua")
        r = cjm.run(path, **RUN)
        text = r.csv()
        block = dict(line[2:].split(": ", 1) for line in text.splitlines() if line.startswith("#"))
        self.assertEqual(block["sha256"], r.scenario["sha256"])
        self.assertEqual(block["engine"], "agent")
        self.assertEqual(int(block["runs"]), RUN["runs"])
        self.assertEqual(int(block["seed"]), RUN["seed"])
        df = pandas.read_csv(io.StringIO(text), comment="#")
        self.assertEqual(list(df.columns[:3]), ["metric", "key", "mean"])
        conv = df[(df.metric == "conversion")]["mean"].iloc[0]
        self.close(conv, r["conversion"], "csv conversion")
        by = df[df.metric == "by_source_converted"].set_index("key")["mean"]
        self.close(by["organic"] + by["referred"], r["converted"], "converted by source")
        self.close(r.by_source.loc["referred", "converted"], r["converted_referred"],
                   "by_source frame")
        self.close(r.by_source.loc["organic", "cac"], r["cac_organic"], "by_source cac")
        self.assertTrue(cjm.run(os.path.join(TOP, "scenarios", "beauty_clinic.lua"),
                                **RUN).by_source.empty)
        with tempfile.TemporaryDirectory() as d:
            runs = os.path.join(d, "runs.csv")
            subprocess.run([CJM, "run", rel(path), *RUN_ARGS, "-o", os.path.join(d, "t"),
                            "--runs-out", runs], check=True, cwd=TOP, capture_output=True)
            frame = pandas.read_csv(runs, comment="#")
            self.assertEqual(len(frame), RUN["runs"])
            self.assertEqual(frame.columns[0], "run")


class CompareMatchesCli(unittest.TestCase, Close):
    def test_variants(self):
        path = os.path.join(TOP, "scenarios", "coffee_shop.lua")
        js = cli_json("compare", rel(path), "program", *RUN_ARGS)
        c = cjm.compare(path, variants=["program"], **RUN)
        self.assertEqual(list(c.arms.index), ["baseline", "program"])
        for v in js["variants"]:
            for metric, d in v["delta"].items():
                self.summary(c.deltas.loc[(v["name"], metric)], d,
                             "delta %s.%s" % (v["name"], metric), False)
            self.close(c.arms.loc[v["name"], "p_profit_up"], v["p_profit_up"], "p_profit_up")
            self.close(c.arms.loc[v["name"], "roi"], v["roi"], "roi")
        for metric, d in js["baseline"]["metrics"].items():
            self.summary(c.results["baseline"].metrics.loc[metric], d, "baseline." + metric)

    def test_fixes(self):
        path = os.path.join(TOP, "scenarios", "beauty_clinic.lua")
        c = cjm.compare(path, fixes=True, **RUN)
        roles = set(c.arms["role"])
        self.assertIn("baseline", roles)
        self.assertIn("fix", roles)


class SensitivityMatchesCli(unittest.TestCase, Close):
    def test_tornado(self):
        path = os.path.join(TOP, "scenarios", "beauty_clinic.lua")
        js = cli_json("tornado", rel(path), "--runs", "5", "--customers", "300")
        t = cjm.tornado(path, runs=5, customers=300)
        rows = t.rows
        self.assertEqual(list(rows.index), [x["path"] for x in js["inputs"]])
        for x in js["inputs"]:
            for k in ("value", "low", "high", "metric_low", "metric_high", "swing"):
                self.close(rows.loc[x["path"], k], x[k], "tornado %s.%s" % (x["path"], k))
        self.close(t.value("baseline"), js["baseline"], "tornado baseline")

    def test_sweep(self):
        path = os.path.join(TOP, "scenarios", "beauty_clinic.lua")
        s = cjm.sweep(path, {"transitions.consult.client": (0.3, 0.6, 4)}, runs=3, customers=300)
        pts = s.points
        self.assertEqual(len(pts), 4)
        self.close(pts["transitions.consult.client"].iloc[-1], 0.6, "last sweep point")
        r = cjm.run(path, runs=3, customers=300, set={"transitions.consult.client": 0.3})
        self.close(pts["conversion"].iloc[0], r["conversion"], "sweep point 0 = run with --set")


class DecisionsMatchCli(unittest.TestCase, Close):
    def test_goal_optimize_voi(self):
        cases = [
            (["goal", "scenarios/beauty_clinic.lua", "--engine", "exact", "--runs", "1", "--param",
              "stages.consult.cost", "--target", "profit=5000000"],
             lambda: cjm.goal(os.path.join(TOP, "scenarios/beauty_clinic.lua"), "stages.consult.cost",
                              5000000, engine="exact", runs=1)),
            (["optimize", "tests/scenarios/knapsack.lua", "--budget", "30000", "--runs", "4"],
             lambda: cjm.optimize(os.path.join(TOP, "tests/scenarios/knapsack.lua"), 30000, runs=4)),
            (["voi", "tests/scenarios/voi.lua", "--runs", "300", "--bootstrap", "20"],
             lambda: cjm.voi(os.path.join(TOP, "tests/scenarios/voi.lua"), runs=300, bootstrap=20)),
        ]
        for args, call in cases:
            with self.subTest(command=args[0]):
                js = cli_json(*args)
                d = call()
                self.assertEqual(d.kind, js["analysis"])
                for k, v in js["values"].items():
                    self.close(d[k], v, "%s: %s" % (args[0], k))
                rows = d.rows
                self.assertEqual(list(rows.index), [r["name"] for r in js["rows"]])
                for r in js["rows"]:
                    for k, v in r.items():
                        if k in ("name", "role"):
                            continue
                        self.close(rows.loc[r["name"], k], v, "%s: %s.%s" % (args[0], r["name"], k))
        with self.assertRaises(cjm.Error) as e:
            cjm.goal(os.path.join(TOP, "scenarios/beauty_clinic.lua"), "transitions.consult.client",
                     0.9, metric="conversion", engine="exact", runs=1)
        self.assertEqual(e.exception.status, 1)
        self.assertIn("out of reach", e.exception.message)


class Errors(unittest.TestCase):
    def cli_error(self, *args):
        p = subprocess.run([CJM, *args], capture_output=True, text=True, cwd=TOP)
        return p.returncode, p.stderr.strip()

    def test_missing_file(self):
        code, msg = self.cli_error("run", "no/such.lua")
        with self.assertRaises(cjm.Error) as e:
            cjm.run("no/such.lua")
        self.assertEqual(e.exception.status, code)
        self.assertEqual("cjm: " + e.exception.message, msg)

    def test_bad_scenario(self):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write("return cjm.scenario { name = 'x', horizon = 4,\n"
                    "  cohort = { size = 10 }, stages = { { 'a' } },\n"
                    "  transitions = { a = { b = 0.5 } } }\n")
        try:
            code, msg = self.cli_error("run", f.name)
            with self.assertRaises(cjm.Error) as e:
                cjm.run(f.name)
            self.assertEqual(code, 1)
            self.assertEqual(e.exception.status, 1)
            self.assertEqual("cjm: " + e.exception.message, msg)
        finally:
            os.unlink(f.name)

    def test_unknown_variant_and_engine(self):
        path = os.path.join(TOP, "scenarios", "beauty_clinic.lua")
        with self.assertRaises(cjm.Error) as e:
            cjm.run(path, variant="no_such_variant")
        self.assertIn("no_such_variant", e.exception.message)
        with self.assertRaises(cjm.Error) as e:
            cjm.run(path, engine="warp")
        self.assertEqual(e.exception.status, 2)

    def test_loyalty_in_exact_engine_is_clear(self):
        path = os.path.join(TOP, "scenarios", "coffee_shop.lua")
        code, msg = self.cli_error("run", rel(path), "--engine", "exact", "--variant", "program")
        if code == 0:  # the exact engine simulates programs: it must agree with the CLI
            js = cli_json("run", rel(path), "--engine", "exact", "--variant", "program")
            r = cjm.run(path, engine="exact", variant="program")
            self.assertEqual(json.loads(r.json())["metrics"], js["metrics"])
        else:
            with self.assertRaises(cjm.Error) as e:
                cjm.run(path, engine="exact", variant="program")
            self.assertEqual(e.exception.status, code)


if __name__ == "__main__":
    unittest.main(verbosity=1)
