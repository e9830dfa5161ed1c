// The dashboard's charts: the same numbers as the tables beside them, read from the JSON API and
// drawn with ECharts (served by dealwise from node_modules). The page reads fine without them.
// Every chart names the same dashboard JSON: it is asked for once and shared, since computing it
// (funnel, forecast, panels) is the dashboard's whole cost.
/* global echarts */
(() => {
  if (typeof echarts === 'undefined') return;
  const loads = new Map();
  const load = (src) => {
    if (!loads.has(src)) {
      loads.set(
        src,
        fetch(src, { credentials: 'same-origin', headers: { accept: 'application/json' } }).then((r) =>
          r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`)),
        ),
      );
    }
    return loads.get(src);
  };
  /** Draws chart `id` from `optionOf(dashboard, element)`, which may size the element first. */
  const draw = (id, optionOf) => {
    const el = document.getElementById(id);
    if (!el) return;
    load(el.dataset.src)
      .then((d) => {
        const option = optionOf(d, el);
        const chart = echarts.init(el, null, { renderer: 'canvas' });
        chart.setOption(option);
        window.addEventListener('resize', () => chart.resize());
        el.dataset.state = 'drawn';
      })
      .catch((err) => {
        el.dataset.state = 'failed';
        el.textContent = `图表加载失败：${err.message}`;
      });
  };

  // The funnel: deals reaching each stage, with the conversion to the next.
  draw('funnel-chart', (d) => {
    const rows = d.funnel.rows;
    return {
      animation: false,
      grid: { left: 80, right: 56, top: 8, bottom: 8 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: rows.map((r) => r.label) },
      series: [
        {
          type: 'bar',
          data: rows.map((r) => r.reached),
          itemStyle: { color: '#1456f0' },
          label: {
            show: true,
            position: 'right',
            formatter: (p) => {
              const c = rows[p.dataIndex].conversion;
              return c === null ? `${p.value}` : `${p.value} · ${Math.round(c * 1000) / 10}%`;
            },
          },
        },
      ],
    };
  });

  // The forecast: per rep, won so far and the weighted deals expected this quarter, stacked.
  draw('forecast-chart', (d) => {
    const reps = d.forecast.byRep;
    const wan = (x) => Math.round(x / 1000) / 10;
    return {
      animation: false,
      legend: { top: 0 },
      grid: { left: 64, right: 24, top: 28, bottom: 8 },
      xAxis: { type: 'value', axisLabel: { formatter: (v) => `${wan(v)}万` } },
      yAxis: { type: 'category', inverse: true, data: reps.map((r) => r.name) },
      series: [
        { name: '已赢单', type: 'bar', stack: 'f', data: reps.map((r) => r.won), itemStyle: { color: '#0f9d58' } },
        { name: '加权', type: 'bar', stack: 'f', data: reps.map((r) => r.weighted), itemStyle: { color: '#1456f0' } },
      ],
    };
  });

  // The behaviour health heatmap: reps × behaviours, the share done when it came up, with n.
  draw('heatmap-chart', (d, el) => {
    const h = d.analytics.heatmap;
    const reps = h.reps.map((r) => r.id);
    const keys = h.behaviours.map((b) => b.key);
    const data = h.cells
      .filter((c) => c.rate !== null)
      .map((c) => [keys.indexOf(c.behaviour), reps.indexOf(c.rep), Math.round(c.rate * 1000) / 10, c.done, c.n]);
    el.style.height = `${Math.max(160, 40 * reps.length + 80)}px`;
    return {
      animation: false,
      tooltip: { formatter: (p) => `${h.reps[p.value[1]].name} · ${h.behaviours[p.value[0]].label}<br>${p.value[2]}%（${p.value[3]}/${p.value[4]}）` },
      grid: { left: 64, right: 8, top: 8, bottom: 72 },
      xAxis: { type: 'category', data: h.behaviours.map((b) => b.label), axisLabel: { interval: 0, rotate: 30, fontSize: 10 } },
      yAxis: { type: 'category', data: h.reps.map((r) => r.name) },
      visualMap: { min: 0, max: 100, show: false, inRange: { color: ['#fde2e1', '#fff6d6', '#d9f2e3'] } },
      series: [{ type: 'heatmap', data, label: { show: true, formatter: (p) => `${p.value[2]}%\nn=${p.value[4]}`, fontSize: 10 } }],
    };
  });
})();
