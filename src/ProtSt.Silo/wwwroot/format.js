// Number and time formatting shared by the job list and the job page.
'use strict';

const format = {
  integer: n => (n ?? 0).toLocaleString('en-US'),
  rate: n => (n ?? 0).toLocaleString('en-US', { maximumFractionDigits: n >= 100 ? 0 : 1, minimumFractionDigits: n >= 100 ? 0 : 1 }),
  percent: share => `${(100 * (share ?? 0)).toFixed(1)}%`,
  duration: seconds => {
    if (seconds == null) return '–';
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m ${String(r).padStart(2, '0')}s` : m > 0 ? `${m}m ${String(r).padStart(2, '0')}s` : `${(seconds).toFixed(1)} s`;
  },
  clock: iso => iso ? new Date(iso).toLocaleTimeString('en-GB') : '–',
  dateTime: iso => iso ? new Date(iso).toLocaleString('en-GB') : '–',
  device: key => {
    const hash = key.lastIndexOf('#');
    return { silo: key.slice(0, hash).split('@')[0], index: key.slice(hash + 1) };
  },
};
