/* The charts of `cjm report`'s page (core/writers/report_html.c inlines it
 * after Apache ECharts). They are drawn from the JSON block #cjm-data; every
 * number is also in the table beside its chart. When every chart has drawn,
 * the page sets body[data-rendered] to "yes" ("error" if anything failed);
 * errors, refused requests and anything written to console.error (caught
 * by the script in the page's head, report_html.c) are also shown in
 * #errors and counted in body[data-errors], so that a headless browser's
 * DOM shows them (tests/report/run.sh). */
(function () {
  'use strict';
  /* window.cjmErrors: what the head's script caught before the page was
   * read (uncaught errors, failed loads, requests the policy refused,
   * console.error); from now on each one is shown as it comes. */
  var body = document.body, errors = window.cjmErrors;
  function show() {
    if (!errors.length) return;
    var pre = document.getElementById('errors');
    pre.hidden = false;
    pre.textContent = errors.join('\n');
    body.dataset.errors = String(errors.length);
    body.dataset.rendered = 'error';
  }
  function record(message) {
    errors.push(String(message));
  }
  window.cjmShow = show;
  show();

  var data = JSON.parse(document.getElementById('cjm-data').textContent);
  var step = data.step;
  var count = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
  var money = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });
  function pct(v) { return v == null ? '-' : (100 * v).toFixed(2) + '%'; }
  function range(n) { var a = []; for (var i = 0; i < n; i++) a.push(String(i)); return a; }
  function diff(hi, lo) {
    return hi.map(function (h, i) { return h == null || lo[i] == null ? null : h - lo[i]; });
  }

  var charts = [], pending = 0;
  function chart(id, option) {
    var el = document.getElementById('chart-' + id);
    if (!el) return;
    var c = echarts.init(el, null, { renderer: 'canvas' });
    pending++;
    var done = false;
    c.on('finished', function () {
      if (done) return;
      done = true;
      el.dataset.rendered = 'yes';
      if (--pending === 0 && !errors.length) body.dataset.rendered = 'yes';
    });
    option.animation = false;
    c.setOption(option);
    charts.push(c);
    return c;
  }

  /* The journey: a Sankey needs a graph without cycles, so a transition back
   * to a stage already on the path from the first stage (found depth first)
   * goes into a copy of that stage, "↩ name". */
  function journey(j) {
    /* the exits into final stages, shown or not (a box above the chart) */
    var exits = 0, all = 0;
    j.links.forEach(function (l) {
      if (!(l.value > 0)) return;
      all += l.value;
      if (j.final[l.target]) exits += l.value;
    });
    var el = document.getElementById('chart-journey');
    var label = document.createElement('label');
    var box = document.createElement('input');
    box.type = 'checkbox';
    box.id = 'journey-exits';
    box.checked = !(exits > 0.5 * all);
    label.appendChild(box);
    label.appendChild(document.createTextNode(' show the exits into final stages'));
    label.className = 'toggle';
    el.parentNode.parentNode.insertBefore(label, el.parentNode); /* above the chart */
    var c = chart('journey', sankey(j, box.checked));
    box.addEventListener('change', function () { c.setOption(sankey(j, box.checked), true); });
  }

  function sankey(j, withExits) {
    var n = j.nodes.length, out = [], state = [], back = {};
    for (var i = 0; i < n; i++) { out.push([]); state.push(0); }
    j.links.forEach(function (l, k) { out[l.source].push(k); });
    function visit(s) {
      state[s] = 1;
      out[s].forEach(function (k) {
        var t = j.links[k].target;
        if (state[t] === 1) back[k] = true;
        else if (state[t] === 0) visit(t);
      });
      state[s] = 2;
    }
    for (var s = 0; s < n; s++) if (state[s] === 0) visit(s);
    var nodes = j.nodes.map(function (name) { return { name: name }; }), copies = {};
    var links = [];
    j.links.forEach(function (l, k) {
      if (!(l.value > 0) || (!withExits && j.final[l.target])) return;
      var target = j.nodes[l.target];
      if (back[k]) {
        target = '\u21a9 ' + target;
        if (!copies[target]) { copies[target] = true; nodes.push({ name: target }); }
      }
      links.push({ source: j.nodes[l.source], target: target, value: l.value });
    });
    var used = {};
    links.forEach(function (l) { used[l.source] = used[l.target] = true; });
    return {
      animation: false,
      tooltip: { trigger: 'item', valueFormatter: function (v) { return count.format(v); } },
      series: [{
        type: 'sankey', data: nodes.filter(function (n) { return used[n.name]; }), links: links,
        nodeAlign: 'left', layoutIterations: 64, nodeGap: 12, left: 10, right: 110,
        emphasis: { focus: 'adjacency' }, lineStyle: { color: 'gradient', curveness: 0.5 },
        label: { fontSize: 12 }
      }]
    };
  }

  function funnel(f) {
    chart('funnel', {
      tooltip: { trigger: 'axis', valueFormatter: pct },
      grid: { left: 60, right: 20, bottom: 80 },
      xAxis: { type: 'category', data: f.stages, axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: 'value', max: 1, axisLabel: { formatter: pct } },
      series: [{ type: 'bar', name: 'reached', data: f.mean, itemStyle: { color: '#5470c6' },
                 label: { show: f.stages.length <= 12, position: 'top', formatter: function (p) {
                   return pct(p.value); } } }]
    });
  }

  function retention(r) {
    var k = range(r.mean.length);
    chart('retention', {
      tooltip: { trigger: 'axis', valueFormatter: pct },
      legend: { data: ['retained', '95% interval'] },
      grid: { left: 60, right: 20 },
      xAxis: { type: 'category', data: k, name: step + 's since conversion', nameLocation: 'middle',
               nameGap: 28, boundaryGap: false },
      yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: pct } },
      series: [
        { type: 'line', name: 'low', data: r.lo, stack: 'band', symbol: 'none',
          lineStyle: { opacity: 0 }, tooltip: { show: false } },
        { type: 'line', name: '95% interval', data: diff(r.hi, r.lo), stack: 'band',
          symbol: 'none', lineStyle: { opacity: 0 }, areaStyle: { color: 'rgba(84,112,198,0.25)' },
          itemStyle: { color: 'rgba(84,112,198,0.25)' } },
        { type: 'line', name: 'retained', data: r.mean, symbol: 'none',
          itemStyle: { color: '#5470c6' } }
      ]
    });
  }

  function cashflow(c) {
    var t = range(c.profit.length);
    var mark = c.payback == null ? undefined : {
      symbol: 'none', label: { formatter: 'payback: ' + step + ' ' + c.payback },
      lineStyle: { color: '#c23531', type: 'dashed' }, data: [{ xAxis: String(c.payback) }]
    };
    chart('cashflow', {
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return money.format(v); } },
      legend: { data: ['profit at t', 'cumulative profit', '95% interval'] },
      grid: { left: 90, right: 20 },
      xAxis: { type: 'category', data: t, name: step, nameLocation: 'middle', nameGap: 28 },
      yAxis: { type: 'value' },
      series: [
        { type: 'bar', name: 'profit at t', data: c.profit, itemStyle: { color: '#91cc75' } },
        { type: 'line', name: 'low', data: c.lo, stack: 'band', symbol: 'none',
          lineStyle: { opacity: 0 }, tooltip: { show: false } },
        { type: 'line', name: '95% interval', data: diff(c.hi, c.lo), stack: 'band',
          symbol: 'none', lineStyle: { opacity: 0 }, areaStyle: { color: 'rgba(238,102,102,0.2)' },
          itemStyle: { color: 'rgba(238,102,102,0.2)' } },
        { type: 'line', name: 'cumulative profit', data: c.cumulative, symbol: 'none',
          itemStyle: { color: '#ee6666' }, markLine: mark }
      ]
    });
  }

  function distribution(d) {
    chart(d.id, {
      tooltip: { trigger: 'axis' },
      grid: { left: 60, right: 20, bottom: 100 },
      xAxis: { type: 'category', data: d.labels, name: d.metric, axisLabel: { rotate: 40 } },
      yAxis: { type: 'value', name: 'runs', minInterval: 1 },
      series: [{ type: 'bar', name: 'runs', data: d.runs, barCategoryGap: '2%',
                 itemStyle: { color: '#73c0de' } }]
    });
  }

  /* Differences in profit with their intervals: bars and error bars. */
  function differences(id, c) {
    var intervals = c.names.map(function (n, i) { return [i, c.lo[i], c.hi[i]]; })
      .filter(function (v) { return v[1] != null && v[2] != null; });
    chart(id, {
      tooltip: { trigger: 'item', valueFormatter: function (v) { return money.format(v); } },
      grid: { left: 180, right: 40 },
      yAxis: { type: 'category', data: c.names, inverse: true },
      xAxis: { type: 'value', name: 'change in profit', nameLocation: 'middle', nameGap: 28 },
      series: [
        { type: 'bar', name: 'change in profit', data: c.mean, itemStyle: {
          color: function (p) { return p.value >= 0 ? '#91cc75' : '#ee6666'; } } },
        { type: 'custom', name: '95% interval', data: intervals, encode: { y: 0, x: [1, 2] },
          tooltip: { show: false }, z: 10,
          renderItem: function (params, api) {
            var y = api.value(0), lo = api.coord([api.value(1), y]), hi = api.coord([api.value(2), y]);
            var h = api.size([0, 1])[1] * 0.25, st = { stroke: '#333', lineWidth: 1.5 };
            return { type: 'group', children: [
              { type: 'line', shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style: st },
              { type: 'line', shape: { x1: lo[0], y1: lo[1] - h, x2: lo[0], y2: lo[1] + h }, style: st },
              { type: 'line', shape: { x1: hi[0], y1: hi[1] - h, x2: hi[0], y2: hi[1] + h }, style: st }
            ] };
          } }
      ]
    });
  }

  /* The greedy path to the best set of fixes: an invisible base under each
   * step's bar, so that the bars climb from the baseline's profit. */
  function waterfall(w) {
    var base = w.profit.map(function (p, i) { return i ? Math.min(p, w.profit[i - 1]) : 0; });
    var bars = w.profit.map(function (p, i) { return i ? Math.abs(w.added[i]) : p; });
    chart('waterfall', {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' },
                 formatter: function (ps) {
                   var i = ps[0].dataIndex;
                   return w.names[i] + '<br>expected profit ' + money.format(w.profit[i]) +
                     (i ? '<br>added ' + money.format(w.added[i]) : '');
                 } },
      grid: { left: 80, right: 20, bottom: 90 },
      xAxis: { type: 'category', data: w.names, axisLabel: { rotate: 30 } },
      yAxis: { type: 'value', name: 'expected profit' },
      series: [
        { type: 'bar', stack: 'w', data: base, itemStyle: { color: 'transparent' },
          emphasis: { disabled: true } },
        { type: 'bar', stack: 'w', name: 'profit', data: bars, itemStyle: {
          color: function (p) { return p.dataIndex === 0 ? '#5470c6' : '#91cc75'; } } }
      ]
    });
  }

  function loyalty(y) {
    var id = y.id;
    var t = range(y.members.length);
    var series = [{ type: 'line', name: 'members', data: y.members, symbol: 'none', yAxisIndex: 0 }];
    y.tiers.forEach(function (name, k) {
      series.push({ type: 'line', name: name, data: y.shares[k], stack: 'tiers', symbol: 'none',
                    areaStyle: { opacity: 0.3 }, yAxisIndex: 1 });
    });
    chart(id, {
      tooltip: { trigger: 'axis' },
      legend: { data: ['members'].concat(y.tiers) },
      grid: { left: 70, right: 70 },
      xAxis: { type: 'category', data: t, name: step, nameLocation: 'middle', nameGap: 28 },
      yAxis: [{ type: 'value', name: 'members' },
              { type: 'value', name: 'share in tier', min: 0, max: 1,
                axisLabel: { formatter: pct } }],
      series: series
    });
  }

  /* Each input's change of the metric at its low and its high value, from
   * the baseline; the widest effect on top. */
  function tornado(t) {
    chart('tornado', {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' },
                 valueFormatter: function (v) { return money.format(v); } },
      legend: { data: ['input at its low value', 'input at its high value'] },
      grid: { left: 260, right: 40 },
      yAxis: { type: 'category', data: t.names, inverse: true, axisLabel: { fontSize: 11 } },
      xAxis: { type: 'value', name: 'change in ' + t.metric + ' from ' + money.format(t.baseline),
               nameLocation: 'middle', nameGap: 28 },
      series: [
        { type: 'bar', name: 'input at its low value', data: t.low, stack: 'swing',
          itemStyle: { color: '#73c0de' } },
        { type: 'bar', name: 'input at its high value', data: t.high, stack: 'swing',
          itemStyle: { color: '#5470c6' } }
      ]
    });
  }

  try {
    journey(data.journey);
    funnel(data.funnel);
    retention(data.retention);
    cashflow(data.cashflow);
    data.distribution.forEach(distribution);
    if (data.variants) differences('variants', data.variants);
    if (data.fixes) differences('fixes', data.fixes);
    if (data.waterfall) waterfall(data.waterfall);
    (data.loyalty || []).forEach(loyalty);
    if (data.tornado) tornado(data.tornado);
    body.dataset.charts = String(charts.length);
  } catch (e) {
    record(e && e.stack ? e.stack : e);
    show();
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
