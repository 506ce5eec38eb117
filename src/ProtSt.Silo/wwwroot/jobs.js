// The job list: every job the cluster's registry knows, and beside it this host's online load, refreshed every two seconds.
'use strict';

const body = document.getElementById('jobs');
const online = document.getElementById('online');

function row(job) {
  const tr = document.createElement('tr');
  const cells = [
    `<a href="/jobs/${encodeURIComponent(job.jobId)}"></a>`,
    '', '', '',
    format.integer(job.rows) + (job.expectedRecords != null ? ` / ${format.integer(job.expectedRecords)}` : ''),
    job.progress != null ? format.percent(job.progress) : '–',
    format.rate(job.sequencesPerSecond),
    format.duration(job.elapsed),
  ];
  tr.innerHTML = cells.map((c, i) => `<td class="${i >= 4 ? 'num' : ''}">${c}</td>`).join('');
  tr.cells[0].firstChild.textContent = job.jobId;
  tr.cells[1].textContent = job.input ?? '';
  tr.cells[2].textContent = format.dateTime(job.startedAt);
  tr.cells[3].innerHTML = `<span class="state ${job.completed ? 'completed' : 'running'}">${job.completed ? 'completed' : 'running'}</span>`;
  return tr;
}

async function refresh() {
  try {
    const response = await fetch('/api/jobs');
    const jobs = await response.json();
    body.replaceChildren(...jobs.map(row));
    if (jobs.length === 0) body.innerHTML = '<tr><td colspan="8" class="empty">no jobs yet: run protst screen</td></tr>';
  } catch {
    body.innerHTML = '<tr><td colspan="8" class="empty">cannot reach the silo host</td></tr>';
  }
}

// The same figures as /metrics' protst_online_* instruments, over the host's Monitoring:OnlineLoadWindow.
async function refreshOnline() {
  try {
    const load = await (await fetch('/api/online')).json();
    document.getElementById('online-window').textContent = `(last ${format.duration(load.window)}, ${format.integer(load.requests)} requests)`;
    const cells = [format.rate(load.requestsPerSecond), format.milliseconds(load.latencyP50), format.milliseconds(load.latencyP99), format.integer(load.inFlight), format.integer(load.waiting)];
    const tr = document.createElement('tr');
    for (const value of cells) {
      const td = tr.insertCell();
      td.className = 'num';
      td.textContent = value;
    }
    online.replaceChildren(tr);
  } catch {
    online.innerHTML = '<tr><td colspan="5" class="empty">cannot reach the silo host</td></tr>';
  }
}

function refreshAll() {
  refresh();
  refreshOnline();
}

refreshAll();
setInterval(refreshAll, 2000);
