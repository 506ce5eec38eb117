// The live job page: renders each snapshot the silo host pushes over server-sent events (at least one a second).
// Raw figures go into data-value attributes beside the formatted text, for scripts and tests.
'use strict';

const jobId = decodeURIComponent(location.pathname.split('/').pop());
const $ = id => document.getElementById(id);
const style = getComputedStyle(document.documentElement);
const accent = style.getPropertyValue('--accent').trim();
const accent2 = style.getPropertyValue('--accent-2').trim();

document.title = `ProtSt job ${jobId}`;
$('job-id').textContent = jobId;
$('json-link').href = `/api/jobs/${encodeURIComponent(jobId)}`;

function show(id, text, value) {
  const element = $(id);
  element.textContent = text;
  if (value !== undefined) element.dataset.value = value ?? '';
}

const throughputChart = new Chart($('throughput-chart'), {
  type: 'line',
  data: {
    datasets: [
      { label: 'sequences/s', data: [], borderColor: accent, backgroundColor: accent, yAxisID: 'sequences', pointRadius: 2, tension: 0.2 },
      { label: 'residues/s', data: [], borderColor: accent2, backgroundColor: accent2, yAxisID: 'residues', pointRadius: 2, tension: 0.2 },
    ],
  },
  options: {
    animation: false,
    maintainAspectRatio: false,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    scales: {
      x: { type: 'linear', title: { display: true, text: 'seconds since start' }, min: 0 },
      sequences: { position: 'left', beginAtZero: true, title: { display: true, text: 'sequences/s' } },
      residues: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'residues/s' } },
    },
  },
});

const deviceChart = new Chart($('device-chart'), {
  type: 'bar',
  data: { labels: [], datasets: [{ label: 'busy share', data: [], backgroundColor: accent, maxBarThickness: 36 }] },
  options: {
    animation: false,
    maintainAspectRatio: false,
    indexAxis: 'y',
    plugins: { legend: { display: false }, tooltip: { callbacks: { label: c => format.percent(c.raw / 100) } } },
    scales: { x: { min: 0, max: 100, title: { display: true, text: '% of elapsed time busy' } } },
  },
});

function renderThroughput(points) {
  const middle = p => p.start + p.duration / 2;
  throughputChart.data.datasets[0].data = points.map(p => ({ x: middle(p), y: p.sequencesPerSecond }));
  throughputChart.data.datasets[1].data = points.map(p => ({ x: middle(p), y: p.residuesPerSecond }));
  throughputChart.update('none');
}

function renderDevices(devices) {
  deviceChart.data.labels = devices.map(d => { const k = format.device(d.deviceKey); return `#${k.index} @ ${k.silo}${d.accelerator ? ` (${d.accelerator})` : ''}`; });
  deviceChart.data.datasets[0].data = devices.map(d => 100 * d.busyShare);
  deviceChart.update('none');
  if (devices.length === 0) return;
  $('devices').replaceChildren(...devices.map(d => {
    const k = format.device(d.deviceKey);
    const tr = document.createElement('tr');
    const padding = d.paddedTokens > 0 ? d.realTokens / d.paddedTokens : 0;
    for (const [text, numeric] of [[`#${k.index}`], [k.silo], [d.accelerator || ''], [format.integer(d.batches), 1], [format.integer(d.sequences), 1],
      [format.duration(d.busy), 1], [format.percent(d.busyShare), 1], [format.percent(padding), 1]]) {
      const td = tr.insertCell();
      td.textContent = text;
      if (numeric) td.className = 'num';
    }
    return tr;
  }));
}

function renderSilos(silos) {
  if (!silos || silos.length === 0) return;
  $('silos').replaceChildren(...silos.map(s => {
    const tr = document.createElement('tr');
    const joined = s.presentAtStart ? `before the job (${format.clock(s.joined)})` : format.clock(s.joined);
    for (const text of [s.address.split('@')[0], s.name, s.status, joined, s.left ? format.clock(s.left) : '–']) {
      tr.insertCell().textContent = text;
    }
    return tr;
  }));
}

function renderClassification(c) {
  // A job without true labels (a screen, not an eval) has nothing to score: no panel rather than "accuracy 0.0 %".
  const scored = c != null && c.labelled > 0;
  $('classification').hidden = !scored;
  if (!scored) return;
  show('accuracy', format.percent(c.accuracy), c.accuracy);
  show('labelled', `${format.integer(c.labelled)} labelled records`);
  show('macro-f1', Number(c.macroF1).toFixed(3));
  show('mcc', Number(c.mcc).toFixed(3));
  const max = Math.max(1, ...c.confusionMatrix.flat());
  const table = $('confusion');
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  head.insertCell().textContent = '';
  for (const name of c.classNames) head.appendChild(document.createElement('th')).textContent = name;
  const body = table.createTBody();
  c.confusionMatrix.forEach((counts, i) => {
    const tr = body.insertRow();
    tr.appendChild(document.createElement('th')).textContent = c.classNames[i];
    counts.forEach((n, j) => {
      const td = tr.insertCell();
      td.textContent = format.integer(n);
      const strength = n / max;
      td.style.background = `rgba(${i === j ? '46,157,98' : '200,66,59'}, ${0.08 + 0.6 * strength})`;
    });
  });
}

function render(s) {
  const state = s.completed ? 'completed' : 'running';
  $('state').className = `state ${state}`;
  show('state', state, state);
  $('job-source').textContent = `${s.input ?? ''} · model ${s.modelDirectory ?? ''} · started ${format.dateTime(s.startedAt)}`;

  const progress = s.progress;
  $('progress-fill').style.width = `${100 * (progress ?? (s.completed ? 1 : 0))}%`;
  $('progress-fill').classList.toggle('done', s.completed);
  show('rows', `${format.integer(s.rows)}${s.expectedRecords != null ? ` / ${format.integer(s.expectedRecords)}` : ''} records`, s.rows);
  show('progress', progress != null ? `(${format.percent(progress)})` : '', progress);

  show('sequences-per-second', format.rate(s.sequencesPerSecond), s.sequencesPerSecond);
  show('window-rate', `${format.rate(s.windowSequencesPerSecond)} over the last 10 s`);
  show('residues-per-second', format.rate(s.residuesPerSecond), s.residuesPerSecond);
  show('residues', `${format.integer(s.residues)} residues`);
  show('elapsed', format.duration(s.elapsed), s.elapsed);
  show('eta', s.completed ? 'done' : s.eta != null ? `ETA ${format.duration(s.eta)}` : 'ETA unknown', s.eta);
  show('queue-depth', format.integer(s.queuedBatches), s.queuedBatches);
  show('padding-efficiency', format.percent(s.paddingEfficiency), s.paddingEfficiency);
  show('tokens', `${format.integer(s.realTokens)} real of ${format.integer(s.paddedTokens)} padded tokens`);
  show('sequences', format.integer(s.sequencesComputed), s.sequencesComputed);
  show('failed', s.failedRows > 0 ? `${format.integer(s.failedRows)} records skipped` : 'no records skipped');

  renderThroughput(s.throughput ?? []);
  renderDevices(s.devices ?? []);
  renderSilos(s.silos);
  renderClassification(s.classification);
  // The results panels (results.js) follow the same snapshots.
  document.dispatchEvent(new CustomEvent('job-snapshot', { detail: s }));
}

const events = new EventSource(`/api/jobs/${encodeURIComponent(jobId)}/events`);
events.addEventListener('snapshot', e => render(JSON.parse(e.data)));
events.addEventListener('done', e => {
  events.close();
  render(JSON.parse(e.data));
});
events.onerror = async () => {
  if (events.readyState !== EventSource.CLOSED) {
    show('state', 'reconnecting', 'reconnecting');
    return;
  }

  // The stream was refused: most likely no silo host knows this job.
  const response = await fetch(`/api/jobs/${encodeURIComponent(jobId)}`).catch(() => null);
  $('state').className = 'state unknown';
  show('state', response?.status === 404 ? 'unknown job' : 'unreachable', 'unknown');
};
