// What the job found: label counts, top proteins, the embedding map, text search and the results table. Everything
// is computed by the silo from the job's output (the /api/jobs/{id}/labels, results, map and search endpoints); the
// page never loads the raw files. Panels refresh while the job runs and once more when it ends.
'use strict';

const results = (() => {
  const api = `/api/jobs/${encodeURIComponent(jobId)}`;
  const palette = ['#2f6fdf', '#e0793a', '#2e9d62', '#c8423b', '#8a5cd1', '#1aa3b3', '#d1a21a', '#d15c9b', '#5c6b7a', '#7fb13b'];
  const colour = i => i < 0 ? '#2f6fdf' : palette[i % palette.length];
  const refreshEvery = 3000;
  const mapEvery = 10000;
  const state = { offset: 0, limit: 25, sort: 'record', label: '', match: '', classes: [], prefix: null, rows: -1 };
  let lastRefresh = 0, lastMap = 0, refreshing = false;


  async function getJson(path) {
    const response = await fetch(path);
    if (!response.ok) throw Object.assign(new Error(await response.text()), { status: response.status });
    return { body: await response.json(), headers: response.headers };
  }

  const labelsChart = new Chart($('labels-chart'), {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'proteins', data: [], backgroundColor: [] }] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      indexAxis: 'y',
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, title: { display: true, text: 'proteins' } } },
    },
  });

  async function refreshLabels() {
    let counts;
    try {
      counts = (await getJson(`${api}/labels`)).body;
    } catch (e) {
      // 409: an embed job predicts no labels.
      $('labels-panel').hidden = true;
      return;
    }

    const total = counts.reduce((sum, c) => sum + c.count, 0);
    $('labels-panel').hidden = false;
    labelsChart.data.labels = counts.map(c => c.label);
    labelsChart.data.datasets[0].data = counts.map(c => c.count);
    labelsChart.data.datasets[0].backgroundColor = counts.map((_, i) => colour(i));
    labelsChart.update('none');

    // The busiest labels get their best proteins; each label links to its full list, sorted by score, in the table.
    const tops = await Promise.all(counts.map((c, i) => c.count > 0 && i < 64
      ? getJson(`${api}/results?label=${encodeURIComponent(c.label)}&sort=-score&limit=3`).then(r => r.body.items).catch(() => [])
      : Promise.resolve([])));
    $('label-rows').replaceChildren(...counts.map((c, i) => {
      const tr = document.createElement('tr');
      tr.dataset.label = c.label;
      const name = tr.insertCell();
      const swatch = name.appendChild(document.createElement('span'));
      swatch.textContent = '■ ';
      swatch.style.color = colour(i);
      const link = name.appendChild(document.createElement('a'));
      link.href = '#results-panel';
      link.textContent = c.label;
      link.addEventListener('click', () => filterLabel(c.label));
      const count = tr.insertCell();
      count.className = 'num';
      count.textContent = format.integer(c.count);
      count.dataset.value = c.count;
      const share = tr.insertCell();
      share.className = 'num';
      share.textContent = format.percent(total > 0 ? c.count / total : 0);
      tr.insertCell().textContent = tops[i].map(t => `${t.id} (${t.length} aa, ${score(t.scores[state.classes.indexOf(c.label)] ?? Math.max(...t.scores))})`).join(', ');
      return tr;
    }));
    // Set last: the total says the rows below it are drawn (what the browser tests wait for).
    show('labels-total', `· ${format.integer(total)} proteins so far`, total);
  }

  const score = v => v == null ? '–' : Number(v).toFixed(4);

  function filterLabel(label) {
    state.label = label;
    state.sort = '-score';
    state.offset = 0;
    $('results-label').value = label;
    refreshTable();
  }

  async function refreshTable() {
    const query = new URLSearchParams({ offset: state.offset, limit: state.limit, sort: state.sort });
    if (state.label) query.set('label', state.label);
    if (state.match) query.set('match', state.match);
    let page;
    try {
      page = (await getJson(`${api}/results?${query}`)).body;
    } catch (e) {
      $('results-panel').hidden = e.status === 404;
      return;
    }

    $('results-panel').hidden = false;
    if (page.classes.join('\t') !== state.classes.join('\t')) {
      state.classes = page.classes;
      $('results-label').replaceChildren(new Option('all', ''), ...page.classes.map(c => new Option(c, c)));
      $('results-label').value = state.label;
    }

    state.prefix = page.scorePrefix;
    $('search-panel').hidden = page.scorePrefix !== 'score:';
    const columns = [['record', '#'], ['id', 'id'], ['length', 'length'], ['truncated', 'truncated'], ...(page.scorePrefix ? [['label', 'label'], ['score', 'score']] : [])];
    $('results-head').replaceChildren(...columns.map(([key, title]) => {
      const th = document.createElement('th');
      const sortable = key !== 'truncated';
      th.textContent = title + (state.sort === key ? ' ▲' : state.sort === `-${key}` ? ' ▼' : '');
      if (sortable) {
        th.className = 'sortable';
        th.addEventListener('click', () => {
          state.sort = state.sort === key ? `-${key}` : key;
          state.offset = 0;
          refreshTable();
        });
      }
      return th;
    }));
    $('results-rows').replaceChildren(...page.items.map(item => {
      const tr = document.createElement('tr');
      const values = [item.record + 1, item.id, item.length, item.truncated ? 'yes' : 'no',
        ...(page.scorePrefix ? [item.label, score(item.scores[page.classes.indexOf(item.label)])] : [])];
      values.forEach((v, i) => {
        const td = tr.insertCell();
        td.textContent = v;
        if (i === 0 || i === 2 || i === 5) td.className = 'num';
      });
      return tr;
    }));
    const last = Math.min(page.total, page.offset + page.items.length);
    show('results-range', page.total === 0 ? 'no rows' : `rows ${format.integer(page.offset + 1)}–${format.integer(last)} of ${format.integer(page.total)}${page.total !== page.rows ? ` (of ${format.integer(page.rows)})` : ''}`, page.total);
    $('results-previous').disabled = page.offset === 0;
    $('results-next').disabled = last >= page.total;
  }

  // The map: every point drawn as a small square on a canvas (100,000 take a few milliseconds); a coarse grid finds the point under the cursor.
  const map = { points: [], grid: new Map(), cell: 8, scale: null };

  async function refreshMap() {
    let response;
    try {
      response = await getJson(`${api}/map`);
    } catch (e) {
      return;
    }

    map.points = response.body;
    const total = Number(response.headers.get('X-Total-Count'));
    const stride = Number(response.headers.get('X-Map-Stride'));
    $('map-panel').hidden = false;
    $('map-canvas').dataset.points = map.points.length;
    $('map-note').textContent = stride > 1
      ? `${format.integer(map.points.length)} of ${format.integer(total)} proteins drawn: every ${stride}th in record order (a sample, so the page stays smooth).`
      : `${format.integer(map.points.length)} proteins, coloured by predicted label; hover for id and score.`;
    drawMap();
  }

  function drawMap() {
    const canvas = $('map-canvas');
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    const context = canvas.getContext('2d');
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    map.grid.clear();
    if (map.points.length === 0) return;
    let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const p of map.points) {
      minX = Math.min(minX, p.x); maxX = Math.max(maxX, p.x); minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y);
    }
    const margin = 8;
    const sx = (width - 2 * margin) / ((maxX - minX) || 1), sy = (height - 2 * margin) / ((maxY - minY) || 1);
    const size = map.points.length > 20000 ? 2 : 4;
    const labelIndex = new Map(state.classes.map((c, i) => [c, i]));
    context.globalAlpha = map.points.length > 20000 ? 0.6 : 0.85;
    map.points.forEach((p, i) => {
      const x = margin + (p.x - minX) * sx, y = height - margin - (p.y - minY) * sy;
      p.px = x; p.py = y;
      context.fillStyle = colour(p.label == null ? -1 : labelIndex.get(p.label) ?? -1);
      context.fillRect(x - size / 2, y - size / 2, size, size);
      const key = `${Math.floor(x / map.cell)},${Math.floor(y / map.cell)}`;
      (map.grid.get(key) ?? map.grid.set(key, []).get(key)).push(i);
    });
  }

  $('map-canvas').addEventListener('mousemove', e => {
    const rect = e.target.getBoundingClientRect();
    const x = e.clientX - rect.left, y = e.clientY - rect.top;
    let best = null, bestDistance = 36;
    for (let gx = Math.floor(x / map.cell) - 1; gx <= Math.floor(x / map.cell) + 1; gx++) {
      for (let gy = Math.floor(y / map.cell) - 1; gy <= Math.floor(y / map.cell) + 1; gy++) {
        for (const i of map.grid.get(`${gx},${gy}`) ?? []) {
          const p = map.points[i], d = (p.px - x) ** 2 + (p.py - y) ** 2;
          if (d < bestDistance) { best = p; bestDistance = d; }
        }
      }
    }
    const tip = $('map-tip');
    tip.hidden = !best;
    if (!best) return;
    tip.textContent = best.label != null ? `${best.id} · ${best.label} · ${score(best.score)}` : best.id;
    tip.style.left = `${x + 12}px`;
    tip.style.top = `${y + 12}px`;
  });
  $('map-canvas').addEventListener('mouseleave', () => { $('map-tip').hidden = true; });
  window.addEventListener('resize', drawMap);

  $('search-form').addEventListener('submit', async e => {
    e.preventDefault();
    const q = $('search-query').value;
    $('search-note').textContent = 'embedding the text on a device of the cluster…';
    try {
      const hits = (await getJson(`${api}/search?q=${encodeURIComponent(q)}&k=20`)).body;
      $('search-results').replaceChildren(...hits.map((h, i) => {
        const tr = document.createElement('tr');
        tr.dataset.id = h.id;
        for (const [text, numeric] of [[i + 1, 1], [h.id], [score(h.score), 1]]) {
          const td = tr.insertCell();
          td.textContent = text;
          if (numeric) td.className = 'num';
        }
        return tr;
      }));
      $('search-note').textContent = `${hits.length} best by ProtST's score (exp(logit_scale) × cosine with the text).`;
    } catch (error) {
      $('search-note').textContent = error.message;
    }
  });

  $('results-label').addEventListener('change', e => { state.label = e.target.value; state.offset = 0; refreshTable(); });
  let typing;
  $('results-match').addEventListener('input', e => {
    clearTimeout(typing);
    typing = setTimeout(() => { state.match = e.target.value; state.offset = 0; refreshTable(); }, 250);
  });
  $('results-previous').addEventListener('click', () => { state.offset = Math.max(0, state.offset - state.limit); refreshTable(); });
  $('results-next').addEventListener('click', () => { state.offset += state.limit; refreshTable(); });
  $('download-results').href = `${api}/files/results.tsv`;
  $('download-embeddings').href = `${api}/files/embeddings.parquet`;

  // Follows the snapshots: at most every few seconds while rows arrive (the map less often), and once at the end.
  let pending = null, finalShown = false;
  async function follow(s) {
    if (refreshing) {
      pending = s;
      return;
    }

    const now = Date.now();
    const due = s.completed ? !finalShown : s.rows !== state.rows && now - lastRefresh >= refreshEvery;
    if (!due) return;
    refreshing = true;
    lastRefresh = now;
    state.rows = s.rows;
    try {
      await refreshTable();
      await refreshLabels();
      // An empty map is asked again at the next refresh, so the first parts' points appear without waiting for mapEvery.
      if (s.completed || now - lastMap >= mapEvery || map.points.length === 0) {
        lastMap = now;
        await refreshMap();
      }
      finalShown = s.completed;
    } finally {
      refreshing = false;
      const next = pending;
      pending = null;
      if (next) follow(next);
    }
  }

  document.addEventListener('job-snapshot', e => follow(e.detail));

  return { refreshTable, refreshLabels, refreshMap };
})();
