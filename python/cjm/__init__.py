"""cjm for Python: customer journeys simulated by libcjm, results as pandas.

    import cjm
    r = cjm.run("scenarios/beauty_clinic.lua", engine="exact")
    r.metrics.loc["profit", "mean"]
    r.funnel, r.retention, r.cashflow, r.breakdown, r.loyalty  # DataFrames
    c = cjm.compare("scenarios/beauty_clinic.lua", variants=["reminders"])
    c.deltas.loc[("reminders", "profit"), ["mean", "lo", "hi"]]
    t = cjm.tornado("scenarios/beauty_clinic.lua", runs=20)

The module is a thin layer over libcjm.so's public API (include/cjm.h),
reached through cffi in its ABI mode: the header is read at import, so the
module follows the library it loads. Every number comes from the library's
accessors, the same code the cjm command's writers print from, so a result
here equals `cjm run --format json` for the same command. Errors raise
cjm.Error, which carries cjm's one-line message and its status (1: the
scenario is wrong, 2: the request is, as the cjm command's exit statuses).

Where the library is: $CJM_LIBRARY, else build/libcjm.so of the source tree
this file is in, else the system's (ctypes.util.find_library). The header:
$CJM_HEADER, else include/cjm.h beside the library's directory (the build
tree's build/include, an install prefix's include)."""

import ctypes.util
import math
import os
import re

import cffi
import pandas as pd

__all__ = [
    "Error", "Result", "Comparison", "Sensitivity", "run", "compare", "sweep", "tornado", "morris",
    "sobol", "goal", "optimize", "voi", "Decision", "version", "metric_names",
]

_here = os.path.dirname(os.path.abspath(__file__))


class Error(Exception):
    """A cjm error: .message is cjm's one line (the cjm command prints it
    after "cjm: "), .status its cjm_status
    (1 scenario, 2 usage, 3 out of memory, 4 input/output, 5 interrupted)."""

    def __init__(self, message, status):
        super().__init__(message)
        self.message = message
        self.status = status


def _find_library():
    env = os.environ.get("CJM_LIBRARY")
    if env:
        return env
    tree = os.path.join(_here, "..", "..", "build", "libcjm.so")
    if os.path.exists(tree):
        return os.path.abspath(tree)
    found = ctypes.util.find_library("cjm")
    if found:
        return found
    raise ImportError("libcjm.so not found: build it (tools/run) or set CJM_LIBRARY")


def _find_header(lib):
    env = os.environ.get("CJM_HEADER")
    if env:
        return env
    libdir = os.path.dirname(os.path.realpath(lib)) if os.path.dirname(lib) else ""
    for d in (os.path.join(libdir, "include"), os.path.join(libdir, "..", "include"),
              "/usr/local/include", "/usr/include"):
        p = os.path.join(d, "cjm.h")
        if os.path.exists(p):
            with open(p) as f:
                if "@PROJECT_VERSION" not in f.read():  # the template, not a configured copy
                    return p
    raise ImportError("cjm.h not found beside %s: set CJM_HEADER" % lib)


def _declarations(text):
    """The header as cffi declarations: no comments, preprocessor lines,
    CJM_API marks or extern "C" guard."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"^\s*#.*$", "", text, flags=re.M)
    text = text.replace("CJM_API", "")
    text = re.sub(r'extern\s+"C"\s*\{', "", text)
    return re.sub(r"^\s*\}\s*$", "", text, flags=re.M)  # the guard's closing brace


_ffi = cffi.FFI()
_libpath = _find_library()
with open(_find_header(_libpath)) as _f:
    _ffi.cdef(_declarations(_f.read()))
_ffi.cdef("FILE *open_memstream(char **ptr, size_t *sizeloc); int fclose(FILE *); "
          "void free(void *);")
_lib = _ffi.dlopen(_libpath)
_libc = _ffi.dlopen(None)

_ENGINES = {"agent": _lib.CJM_ENGINE_AGENT, "exact": _lib.CJM_ENGINE_EXACT,
            "cohort": _lib.CJM_ENGINE_COHORT}
_UNITS = {_lib.CJM_UNIT_SHARE: "share", _lib.CJM_UNIT_COUNT: "count",
          _lib.CJM_UNIT_MONEY: "money", _lib.CJM_UNIT_RATIO: "ratio"}


def version():
    """The library's version ("0.1.0")."""
    return _ffi.string(_lib.cjm_version()).decode()


def metric_names():
    """Every metric's name, in the library's order."""
    return [_str(_lib.cjm_metric_name(i)) for i in range(_lib.cjm_metric_count())]


def _str(p):
    return None if p == _ffi.NULL else _ffi.string(p).decode()


def _check(status, err):
    if status != _lib.CJM_OK:
        raise Error(_ffi.string(err.msg).decode(), int(status))


def _usage(message):
    return Error(message, 2)


class _Load:
    """Load options and the C memory they point to (kept alive with them)."""

    def __init__(self, path, set=None, variant=None, fixes=None, horizon=None):
        self.keep = []
        self.opts = _ffi.new("cjm_load_options *")
        if set:
            items = list(set.items())
            sets = _ffi.new("cjm_override[]", len(items))
            for i, (k, v) in enumerate(items):
                sets[i].path = self._c(str(k))
                sets[i].value = self._c(_lua_value(v))
            self.keep.append(sets)
            self.opts.sets = sets
            self.opts.set_count = len(items)
        if fixes:
            arr = _ffi.new("const char *[]", [self._c(f) for f in fixes])
            self.keep.append(arr)
            self.opts.fixes = arr
            self.opts.fix_count = len(fixes)
        if variant is not None:
            self.opts.variant = self._c(variant)
        if horizon:
            self.opts.horizon = int(horizon)
        self.path = self._c(os.fspath(path))

    def _c(self, s):
        p = _ffi.new("char[]", s.encode())
        self.keep.append(p)
        return p


def _lua_value(v):
    """A --set value as the cjm command takes it: numbers as numbers, the rest
    as written."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(float(v)) if isinstance(v, float) else str(v)
    return str(v)


def _settings(engine, runs, seed, customers, horizon, threads, sampling):
    s = _lib.cjm_settings_default()
    if engine not in _ENGINES:
        raise _usage("unknown engine '%s' (agent, exact or cohort)" % engine)
    s.engine = _ENGINES[engine]
    if runs is not None:
        s.runs = int(runs)
    if seed is not None:
        s.seed = int(seed)
    if customers is not None:
        s.customers = int(customers)
    if horizon is not None:
        s.horizon = int(horizon)
    s.threads = int(threads or 0)
    if sampling is not None:
        out = _ffi.new("cjm_sampling *")
        if not _lib.cjm_sampling_parse(sampling.encode(), out):
            raise _usage("unknown sampling '%s' (random or lhs)" % sampling)
        s.sampling = out[0]
    return s


def _number(x):
    return float("nan") if x is None else float(x)


def _value_row(v):
    """A cjm_value as a dict of the JSON's fields (NaN where undefined)."""
    if not v.defined:
        nan = float("nan")
        return {"mean": nan, "se": nan, "lo": nan, "hi": nan, "p5": nan, "p50": nan, "p95": nan}
    return {"mean": v.mean, "se": v.se, "lo": v.lo, "hi": v.hi, "p5": v.p5, "p50": v.p50,
            "p95": v.p95}


def _memstream(write):
    """What write(FILE *) writes, as text (open_memstream)."""
    buf = _ffi.new("char **")
    size = _ffi.new("size_t *")
    f = _libc.open_memstream(buf, size)
    if f == _ffi.NULL:
        raise MemoryError("open_memstream failed")
    try:
        write(f)
    finally:
        _libc.fclose(f)
        text = _ffi.string(buf[0], size[0]).decode() if buf[0] != _ffi.NULL else ""
        _libc.free(buf[0])
    return text


class Result:
    """One scenario's results. DataFrames (built on first use):
    metrics (by name: mean, se, lo, hi (95% interval), p5, p50, p95, unit,
    label, exact), funnel (by stage: the share of prospects who reached it),
    retention (by k steps since conversion), cashflow (by step t: revenue,
    cogs, cost, profit, cumulative_profit, discounted_profit,
    cumulative_discounted_profit, each with _lo and _hi), breakdown (by line),
    loyalty (a program's counts, None without one), runs (each run's metrics).
    payback: the step cumulative profit turns positive (None: never).
    json(), table(), csv(): cjm's own reports."""

    def __init__(self, handle, model, owner=None):
        self._r = handle
        self._model = model
        self._owner = owner  # a comparison that owns the result, kept alive
        self._cache = {}

    def _free(self):
        if self._owner is None:
            if self._r is not None:
                p = _ffi.new("cjm_result **", self._r)
                _lib.cjm_result_free(p)
            if self._model is not None:
                p = _ffi.new("cjm_model **", self._model)
                _lib.cjm_model_free(p)
        self._r = self._model = None

    def __del__(self):
        try:
            self._free()
        except Exception:
            pass

    # ---- what was run ----
    @property
    def scenario(self):
        m = _lib.cjm_result_model(self._r)
        return {"name": _str(_lib.cjm_model_name(m)), "file": _str(_lib.cjm_model_file(m)),
                "sha256": _str(_lib.cjm_model_sha256(m)),
                "variant": _str(_lib.cjm_model_variant(m))}

    @property
    def settings(self):
        s = _lib.cjm_result_settings(self._r)
        engine = {v: k for k, v in _ENGINES.items()}[s.engine]
        return {"engine": engine, "runs": s.runs, "customers": s.customers,
                "horizon": s.horizon, "seed": s.seed}

    def _cached(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # ---- metrics ----
    def _metric(self, i):
        v = _ffi.new("cjm_value *")
        st = _lib.cjm_result_metric(self._r, i, v)
        if st != _lib.CJM_OK:
            raise Error("no metric %d" % i, int(st))
        return v

    @property
    def metrics(self):
        def make():
            rows, names = [], []
            for i in range(_lib.cjm_metric_count()):
                v = self._metric(i)
                row = _value_row(v)
                row.update(unit=_UNITS[v.unit], label=_str(v.label), exact=bool(v.exact))
                rows.append(row)
                names.append(_str(v.name))
            return pd.DataFrame(rows, index=pd.Index(names, name="metric"))
        return self._cached("metrics", make)

    def __getitem__(self, metric):
        """r["profit"]: the metric's mean."""
        return float(self.metrics.loc[metric, "mean"])

    # ---- series ----
    def _series(self, name):
        n = _lib.cjm_result_series_length(self._r, name.encode())
        out = []
        v = _ffi.new("cjm_value *")
        for i in range(max(n, 0)):
            st = _lib.cjm_result_series(self._r, name.encode(), i, v)
            if st != _lib.CJM_OK:
                raise Error("series %s[%d] failed" % (name, i), int(st))
            row = _value_row(v)
            row["index"] = v.index
            row["item"] = _str(v.name)
            row["label"] = _str(v.label)
            out.append(row)
        return out

    def _frame(self, name, index, item_col=None):
        rows = self._series(name)
        df = pd.DataFrame(rows)
        if df.empty:
            return df
        if item_col:
            df = df.rename(columns={"item": item_col})
            df = df.set_index(item_col)
        else:
            df = df.drop(columns=["item"]).set_index("index")
            df.index.name = index
        return df.drop(columns=[c for c in ("label", "index") if c in df.columns])

    @property
    def funnel(self):
        """By stage: the share of prospects who ever reached it."""
        return self._cached("funnel", lambda: self._frame("funnel", None, "stage"))

    @property
    def retention(self):
        """By k, steps since conversion: the share still active."""
        def make():
            df = self._frame("retention", "k")
            return df[["mean", "se", "lo", "hi"]] if not df.empty else df
        return self._cached("retention", make)

    @property
    def arrivals(self):
        """By arrival step t: prospects arrived and the share of them converted."""
        def make():
            a = self._frame("arrived", "t")
            c = self._frame("arrival_conversion", "t")
            if a.empty:
                return a
            return pd.DataFrame({"arrived": a["mean"], "conversion": c["mean"],
                                 "conversion_lo": c["lo"], "conversion_hi": c["hi"]})
        return self._cached("arrivals", make)

    _SOURCE = ("prospects", "converted", "conversion", "revenue", "ltv", "cac")

    @property
    def by_source(self):
        """With referrals, by source ("organic", "referred"): prospects,
        converted, conversion, revenue, LTV and CAC (means); else empty."""
        def make():
            cols = {}
            for k in self._SOURCE:
                f = self._frame("by_source_" + k, None, "source")
                if f.empty:
                    return f
                cols[k] = f["mean"]
            return pd.DataFrame(cols)
        return self._cached("by_source", make)

    _CASH = ("revenue", "cogs", "cost", "profit", "cumulative_profit", "discounted_profit",
             "cumulative_discounted_profit")

    @property
    def cashflow(self):
        """By step t: money in the step and cumulated, each with its 95% interval."""
        def make():
            cols = {}
            for k in self._CASH:
                df = self._frame("cashflow_" + k, "t")
                if df.empty:
                    return df
                cols[k] = df["mean"]
                cols[k + "_lo"] = df["lo"]
                cols[k + "_hi"] = df["hi"]
            return pd.DataFrame(cols)
        return self._cached("cashflow", make)

    @property
    def payback(self):
        """The first step at which cumulative profit reaches 0 (None: never)."""
        out = _ffi.new("double *")
        err = _lib.cjm_result_value(self._r, b"payback_step", out)
        if err != _lib.CJM_OK:
            raise Error("no payback for this result", int(err))
        return None if math.isnan(out[0]) else int(out[0])

    @property
    def breakdown(self):
        """By line (its scenario path): where the money goes, with its kind."""
        def make():
            rows = self._series("breakdown")
            df = pd.DataFrame(rows)
            if df.empty:
                return df
            df = df.rename(columns={"item": "line", "label": "kind"}).set_index("line")
            return df.drop(columns=["index"])
        return self._cached("breakdown", make)

    @property
    def transitions(self):
        """By transition (from, to): the customers who took it over the horizon."""
        def make():
            m = _lib.cjm_result_model(self._r)
            rows = self._series("transitions")
            df = pd.DataFrame(rows)
            if df.empty:
                return df
            df["from"] = [_str(_lib.cjm_model_item(m, b"edge_from", i)) for i in range(len(df))]
            df["to"] = [_str(_lib.cjm_model_item(m, b"edge_to", i)) for i in range(len(df))]
            df = df.rename(columns={"item": "path"}).set_index(["from", "to"])
            return df.drop(columns=[c for c in ("label", "index") if c in df.columns])
        return self._cached("transitions", make)

    @property
    def loyalty(self):
        """A loyalty program's counts (members, points, costs) by name, or None."""
        def make():
            m = _lib.cjm_result_model(self._r)
            if not _lib.cjm_model_has(m, b"loyalty"):
                return None
            return self._frame("loyalty", None, "item")
        return self._cached("loyalty", make)

    @property
    def loyalty_by_step(self):
        """Members (outside a final stage) at each step t, and each tier's share."""
        def make():
            m = _lib.cjm_result_model(self._r)
            if not _lib.cjm_model_has(m, b"loyalty"):
                return None
            members = self._frame("loyalty_members", "t")
            df = pd.DataFrame({"members": members["mean"]})
            rows = self._series("loyalty_tier_share")
            H = len(members)
            for j, row in enumerate(rows):
                df.loc[j % H, "share_" + row["item"]] = row["mean"]
            return df
        return self._cached("loyalty_by_step", make)

    @property
    def runs(self):
        """Each run's metrics (rows: runs), as `cjm run --runs-out` writes them."""
        def make():
            n = self.settings["runs"]
            names = metric_names()
            data = {name: [_lib.cjm_result_run_metric(self._r, k, i) for k in range(n)]
                    for i, name in enumerate(names)}
            return pd.DataFrame(data, index=pd.RangeIndex(n, name="run"))
        return self._cached("runs", make)

    # ---- cjm's own reports ----
    def _report(self, fmt):
        err = _ffi.new("cjm_error *")

        def write(f):
            _check(_lib.cjm_report_run(self._r, fmt, f, err), err)
        return _memstream(write)

    def json(self):
        """The report of `cjm run --format json`, as text."""
        return self._report(_lib.CJM_FORMAT_JSON)

    def table(self):
        """The report of `cjm run`, as text."""
        return self._report(_lib.CJM_FORMAT_TABLE)

    def csv(self):
        return self._report(_lib.CJM_FORMAT_CSV)

    def __repr__(self):
        s = self.settings
        return "<cjm.Result %s: %s engine, %d runs, profit %.6g>" % (
            self.scenario["name"], s["engine"], s["runs"], self["profit"])


def _load(path, load):
    model = _ffi.new("cjm_model **")
    err = _ffi.new("cjm_error *")
    _check(_lib.cjm_model_load(load.path, load.opts, model, err), err)
    return model[0]


def run(path, engine="agent", runs=None, seed=None, customers=None, horizon=None, threads=0,
        sampling=None, set=None, variant=None, fixes=None):
    """Runs a scenario file as `cjm run` does. set: {path: value} as --set;
    variant: a variant's name; fixes: barrier names whose fixes apply.
    runs, seed, customers, horizon: None for cjm's defaults."""
    load = _Load(path, set=set, variant=variant, fixes=fixes)
    model = _load(path, load)
    s = _settings(engine, runs, seed, customers, horizon, threads, sampling)
    out = _ffi.new("cjm_result **")
    err = _ffi.new("cjm_error *")
    st = _lib.cjm_run(model, _ffi.new("cjm_settings *", s), out, err)
    if st != _lib.CJM_OK:
        _lib.cjm_model_free(_ffi.new("cjm_model **", model))
        _check(st, err)
    return Result(out[0], model)


class Comparison:
    """Arms against the baseline under common random numbers.
    arms: by arm name, its role (baseline, variant, fix, best), fixes, roi
    and p_profit_up; deltas: by (arm, metric), the difference from the
    baseline with its interval; results[name]: each arm's Result."""

    def __init__(self, handle):
        self._c = handle
        n = _lib.cjm_comparison_arm_count(handle)
        self.names = [_str(_lib.cjm_comparison_arm_name(handle, i)) for i in range(n)]
        self.results = {self.names[i]: Result(_lib.cjm_comparison_arm_result(handle, i), None,
                                              owner=self) for i in range(n)}
        self._arms = None
        self._deltas = None

    def __del__(self):
        try:
            if self._c is not None:
                _lib.cjm_comparison_free(_ffi.new("cjm_comparison **", self._c))
                self._c = None
        except Exception:
            pass

    @property
    def arms(self):
        if self._arms is None:
            rows = []
            out = _ffi.new("double *")
            for i, name in enumerate(self.names):
                fixes = [_str(_lib.cjm_comparison_arm_fix(self._c, i, k))
                         for k in range(max(_lib.cjm_comparison_arm_fix_count(self._c, i), 0))]
                row = {"arm": name, "role": _str(_lib.cjm_comparison_arm_role(self._c, i)),
                       "fixes": fixes}
                for key in ("roi", "p_profit_up"):
                    st = _lib.cjm_comparison_arm_value(self._c, i, key.encode(), out)
                    row[key] = out[0] if st == _lib.CJM_OK else float("nan")
                rows.append(row)
            self._arms = pd.DataFrame(rows).set_index("arm")
        return self._arms

    @property
    def deltas(self):
        if self._deltas is None:
            rows, index = [], []
            v = _ffi.new("cjm_value *")
            for i, name in enumerate(self.names):
                for k in range(_lib.cjm_metric_count()):
                    st = _lib.cjm_comparison_delta(self._c, i, k, v)
                    if st != _lib.CJM_OK:
                        raise Error("no delta", int(st))
                    rows.append(_value_row(v))
                    index.append((name, _str(_lib.cjm_metric_name(k))))
            self._deltas = pd.DataFrame(
                rows, index=pd.MultiIndex.from_tuples(index, names=["arm", "metric"]))
        return self._deltas

    def json(self):
        err = _ffi.new("cjm_error *")

        def write(f):
            _check(_lib.cjm_report_comparison(self._c, _lib.CJM_FORMAT_JSON, f, err), err)
        return _memstream(write)


def compare(path, variants=None, fixes=False, engine="agent", runs=None, seed=None,
            customers=None, horizon=None, threads=0, sampling=None, set=None):
    """`cjm compare PATH VARIANT...` (variants: names; None or []: every
    variant of the scenario) or, with fixes=True, `cjm fixes PATH`."""
    load = _Load(path, set=set)
    s = _ffi.new("cjm_settings *", _settings(engine, runs, seed, customers, horizon, threads,
                                             sampling))
    out = _ffi.new("cjm_comparison **")
    err = _ffi.new("cjm_error *")
    if fixes:
        st = _lib.cjm_compare_fixes(load.path, load.opts, s, out, err)
    else:
        if variants is None or len(variants) == 0:
            variants = _model_list(path, load, "variants")
        names = [load._c(v) for v in variants]
        arr = _ffi.new("const char *[]", names) if names else _ffi.NULL
        st = _lib.cjm_compare_variants(load.path, load.opts, arr, len(names), s, out, err)
    _check(st, err)
    return Comparison(out[0])


def _model_list(path, load, what):
    model = _load(path, load)
    try:
        n = _lib.cjm_model_count(model, what.encode())
        return [_str(_lib.cjm_model_item(model, what.encode(), i)) for i in range(n)]
    finally:
        _lib.cjm_model_free(_ffi.new("cjm_model **", model))


class Sensitivity:
    """A sensitivity analysis: rows (tornado, morris, sobol: by parameter
    path) or points (sweep: the parameters' values and each metric's mean and
    interval)."""

    def __init__(self, handle):
        self._x = handle
        self.kind = _str(_lib.cjm_sensitivity_kind(handle))
        self.metric = _str(_lib.cjm_metric_name(_lib.cjm_sensitivity_metric(handle)))

    def __del__(self):
        try:
            if self._x is not None:
                _lib.cjm_sensitivity_free(_ffi.new("cjm_sensitivity **", self._x))
                self._x = None
        except Exception:
            pass

    _FIELDS = {"tornado": ("value", "low", "high", "metric_low", "metric_high", "swing"),
               "morris": ("low", "high", "mu_star", "mu", "sigma"),
               "sobol": ("low", "high", "S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi")}

    def value(self, name):
        out = _ffi.new("double *")
        st = _lib.cjm_sensitivity_value(self._x, name.encode(), out)
        if st != _lib.CJM_OK:
            raise Error("a %s has no value '%s'" % (self.kind, name), int(st))
        return out[0]

    @property
    def rows(self):
        rows, paths = [], []
        out = _ffi.new("double *")
        for i in range(_lib.cjm_sensitivity_row_count(self._x)):
            paths.append(_str(_lib.cjm_sensitivity_row_path(self._x, i)))
            row = {"error": _str(_lib.cjm_sensitivity_row_error(self._x, i))}
            for f in self._FIELDS.get(self.kind, ()):
                st = _lib.cjm_sensitivity_row_value(self._x, i, f.encode(), out)
                row[f] = out[0] if st == _lib.CJM_OK else float("nan")
            rows.append(row)
        return pd.DataFrame(rows, index=pd.Index(paths, name="path"))

    @property
    def points(self):
        n_par = _lib.cjm_sensitivity_param_count(self._x)
        params = [_str(_lib.cjm_sensitivity_param_path(self._x, k)) for k in range(n_par)]
        v = _ffi.new("cjm_value *")
        rows = []
        for p in range(_lib.cjm_sensitivity_point_count(self._x)):
            row = {name: _lib.cjm_sensitivity_point_param(self._x, p, k)
                   for k, name in enumerate(params)}
            row["error"] = _str(_lib.cjm_sensitivity_point_error(self._x, p))
            for k in range(_lib.cjm_metric_count()):
                name = _str(_lib.cjm_metric_name(k))
                if row["error"] is None and \
                        _lib.cjm_sensitivity_point_metric(self._x, p, k, v) == _lib.CJM_OK:
                    vals = _value_row(v)
                else:
                    vals = {"mean": float("nan"), "lo": float("nan"), "hi": float("nan")}
                row[name] = vals["mean"]
                row[name + "_lo"] = vals["lo"]
                row[name + "_hi"] = vals["hi"]
            rows.append(row)
        return pd.DataFrame(rows)

    def json(self):
        err = _ffi.new("cjm_error *")

        def write(f):
            _check(_lib.cjm_report_sensitivity(self._x, _lib.CJM_FORMAT_JSON, f, err), err)
        return _memstream(write)


def _params(load, params, allow_bare=True):
    """{path: (lo, hi)} or {path: None} or [path, ...] as cjm_sens_param[]."""
    if params is None:
        return _ffi.NULL, 0
    items = params.items() if isinstance(params, dict) else [(p, None) for p in params]
    items = list(items)
    arr = _ffi.new("cjm_sens_param[]", len(items))
    for i, (path, rng) in enumerate(items):
        arr[i].path = load._c(path)
        if rng is not None:
            if len(rng) == 3:
                arr[i].lo, arr[i].hi, arr[i].steps = float(rng[0]), float(rng[1]), int(rng[2])
            else:
                arr[i].lo, arr[i].hi = float(rng[0]), float(rng[1])
            arr[i].ranged = 1
        elif not allow_bare:
            raise _usage("%s needs a range (lo, hi)" % path)
    load.keep.append(arr)
    return arr, len(items)


def _sensitivity(fn, path, params, metric, engine, runs, seed, customers, horizon, threads,
                 sampling, set, allow_bare=True, **extra):
    load = _Load(path, set=set)
    s = _ffi.new("cjm_settings *", _settings(engine, runs, seed, customers, horizon, threads,
                                             sampling))
    o = _ffi.new("cjm_sens_options *")
    o.params, o.param_count = _params(load, params, allow_bare)
    if metric is not None:
        o.metric = load._c(metric)
    for k, v in extra.items():
        if v is not None:
            setattr(o, k, v)
    out = _ffi.new("cjm_sensitivity **")
    err = _ffi.new("cjm_error *")
    _check(fn(load.path, load.opts, s, o, out, err), err)
    return Sensitivity(out[0])


def sweep(path, params, metric=None, engine="agent", runs=None, seed=None, customers=None,
          horizon=None, threads=0, sampling=None, set=None):
    """`cjm sweep`: params {path: (from, to, steps)}; .points has a row per point."""
    return _sensitivity(_lib.cjm_sweep, path, params, metric, engine, runs, seed, customers,
                        horizon, threads, sampling, set, allow_bare=False)


def tornado(path, params=None, metric=None, swing=None, engine="agent", runs=None, seed=None,
            customers=None, horizon=None, threads=0, sampling=None, set=None):
    """`cjm tornado`: params None (every input), [path, ...] or {path: (lo, hi)}."""
    return _sensitivity(_lib.cjm_tornado, path, params, metric, engine, runs, seed, customers,
                        horizon, threads, sampling, set, swing=swing)


def morris(path, params=None, metric=None, trajectories=None, levels=None, engine="agent",
           runs=None, seed=None, customers=None, horizon=None, threads=0, sampling=None,
           set=None):
    """`cjm morris`: elementary effects (mu_star, mu, sigma) by parameter."""
    return _sensitivity(_lib.cjm_morris, path, params, metric, engine, runs, seed, customers,
                        horizon, threads, sampling, set, trajectories=trajectories,
                        levels=levels)


def sobol(path, params=None, metric=None, samples=None, bootstrap=None, design="random",
          engine="agent", runs=None, seed=None, customers=None, horizon=None, threads=0,
          sampling=None, set=None):
    """`cjm sobol`: first-order and total indices (S1, ST) with intervals;
    design "random" or "sobol" (the Sobol' sequence)."""
    designs = {"random": _lib.CJM_DESIGN_RANDOM, "sobol": _lib.CJM_DESIGN_SOBOL}
    if design not in designs:
        raise _usage("unknown design '%s' (random or sobol)" % design)
    return _sensitivity(_lib.cjm_sobol, path, params, metric, engine, runs, seed, customers,
                        horizon, threads, sampling, set, samples=samples, bootstrap=bootstrap,
                        design=designs[design])


class Decision:
    """A decision analysis (goal, optimize, voi): values (a dict by name, as
    JSON's "values") and rows (a DataFrame by name: optimize's fix sets,
    voi's options and inputs, with their role)."""

    def __init__(self, handle):
        self._x = handle
        self.kind = _str(_lib.cjm_decision_kind(handle))

    def __del__(self):
        try:
            if self._x is not None:
                _lib.cjm_decision_free(_ffi.new("cjm_decision **", self._x))
                self._x = None
        except Exception:
            pass

    def json(self):
        err = _ffi.new("cjm_error *")

        def write(f):
            _check(_lib.cjm_report_decision(self._x, _lib.CJM_FORMAT_JSON, f, err), err)
        return _memstream(write)

    @property
    def values(self):
        import json as _json
        return {k: (float("nan") if v is None else v)
                for k, v in _json.loads(self.json())["values"].items()}

    def __getitem__(self, name):
        out = _ffi.new("double *")
        if _lib.cjm_decision_value(self._x, name.encode(), out) != _lib.CJM_OK:
            raise KeyError(name)
        return out[0]

    _FIELDS = {"optimize": ("metric", "cost", "gain", "fixes"),
               "voi": ("mean", "lo", "hi", "p_best", "evppi", "evppi_se", "share")}

    @property
    def rows(self):
        out = _ffi.new("double *")
        rows, names = [], []
        for i in range(_lib.cjm_decision_row_count(self._x)):
            names.append(_str(_lib.cjm_decision_row_name(self._x, i)))
            row = {"role": _str(_lib.cjm_decision_row_role(self._x, i))}
            for f in self._FIELDS.get(self.kind, ()):
                st = _lib.cjm_decision_row_value(self._x, i, f.encode(), out)
                row[f] = out[0] if st == _lib.CJM_OK else float("nan")
            rows.append(row)
        return pd.DataFrame(rows, index=pd.Index(names, name="name"))


def _decide(fn, path, opts, engine, runs, seed, customers, horizon, threads, sampling, set, load):
    s = _ffi.new("cjm_settings *", _settings(engine, runs, seed, customers, horizon, threads,
                                             sampling))
    out = _ffi.new("cjm_decision **")
    err = _ffi.new("cjm_error *")
    _check(fn(load.path, load.opts, s, opts, out, err), err)
    return Decision(out[0])


def goal(path, param, target, metric="profit", range=None, engine="agent", runs=None, seed=None,
         customers=None, horizon=None, threads=0, sampling=None, set=None):
    """`cjm goal`: the value of input `param` at which `metric` reaches
    `target`; d["value"], d["value_lo"], d["value_hi"]. range: (lo, hi)."""
    load = _Load(path, set=set)
    o = _ffi.new("cjm_goal_options *")
    o.param = load._c(param)
    o.metric = load._c(metric)
    o.target = float(target)
    if range is not None:
        o.ranged, o.lo, o.hi = 1, float(range[0]), float(range[1])
    return _decide(_lib.cjm_goal, path, o, engine, runs, seed, customers, horizon, threads,
                   sampling, set, load)


def optimize(path, budget, metric="profit", search_runs=0, engine="agent", runs=None, seed=None,
             customers=None, horizon=None, threads=0, sampling=None, set=None, fixes=None):
    """`cjm optimize`: the best set of fixes whose cost fits `budget`."""
    load = _Load(path, set=set, fixes=fixes)
    o = _ffi.new("cjm_optimize_options *")
    o.budget = float(budget)
    o.metric = load._c(metric)
    o.search_runs = int(search_runs)
    return _decide(_lib.cjm_optimize, path, o, engine, runs, seed, customers, horizon, threads,
                   sampling, set, load)


def voi(path, variants=None, metric="profit", groups=None, bootstrap=0, runs=1000, seed=None,
        customers=None, horizon=None, threads=0, sampling=None, set=None):
    """`cjm voi`: EVPI (d["evpi"]) for choosing among the baseline and the
    variants, and each input's or group's EVPPI (d.rows). groups: a list of
    "NAME=PATH,PATH" strings."""
    load = _Load(path, set=set)
    o = _ffi.new("cjm_voi_options *")
    o.metric = load._c(metric)
    if variants:
        arr = _ffi.new("const char *[]", [load._c(v) for v in variants])
        load.keep.append(arr)
        o.variants, o.variant_count = arr, len(variants)
    if groups:
        arr = _ffi.new("const char *[]", [load._c(g) for g in groups])
        load.keep.append(arr)
        o.groups, o.group_count = arr, len(groups)
    o.bootstrap = int(bootstrap)
    return _decide(_lib.cjm_voi, path, o, "exact", runs, seed, customers, horizon, threads,
                   sampling, set, load)
