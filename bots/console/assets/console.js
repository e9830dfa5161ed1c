// The dashboard's funnel chart: the same numbers as the table beside it, read from the JSON API
// and drawn with ECharts (served by dealwise from node_modules). The page reads fine without it.
/* global echarts */
(() => {
  const el = document.getElementById('funnel-chart');
  if (!el || typeof echarts === 'undefined') return;
  fetch(el.dataset.src, { credentials: 'same-origin', headers: { accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((d) => {
      const rows = d.funnel.rows;
      const chart = echarts.init(el, null, { renderer: 'canvas' });
      chart.setOption({
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
      });
      window.addEventListener('resize', () => chart.resize());
      el.dataset.state = 'drawn';
    })
    .catch((err) => {
      el.dataset.state = 'failed';
      el.textContent = `图表加载失败：${err.message}`;
    });
})();

// The forecast panel: per rep, won so far and the weighted deals expected this quarter, stacked.
(() => {
  const el = document.getElementById('forecast-chart');
  if (!el || typeof echarts === 'undefined') return;
  fetch(el.dataset.src, { credentials: 'same-origin', headers: { accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((d) => {
      const reps = d.forecast.byRep;
      const wan = (x) => Math.round(x / 1000) / 10;
      const chart = echarts.init(el, null, { renderer: 'canvas' });
      chart.setOption({
        animation: false,
        legend: { top: 0 },
        grid: { left: 64, right: 24, top: 28, bottom: 8 },
        xAxis: { type: 'value', axisLabel: { formatter: (v) => `${wan(v)}万` } },
        yAxis: { type: 'category', inverse: true, data: reps.map((r) => r.name) },
        series: [
          { name: '已赢单', type: 'bar', stack: 'f', data: reps.map((r) => r.won), itemStyle: { color: '#0f9d58' } },
          { name: '加权', type: 'bar', stack: 'f', data: reps.map((r) => r.weighted), itemStyle: { color: '#1456f0' } },
        ],
      });
      window.addEventListener('resize', () => chart.resize());
      el.dataset.state = 'drawn';
    })
    .catch((err) => {
      el.dataset.state = 'failed';
      el.textContent = `图表加载失败：${err.message}`;
    });
})();
