// Number and time formatting shared by the job list and the job page.
'use strict';

const format = {
  integer: n => (n ?? 0).toLocaleString('en-US'),
  rate: n => (n ?? 0).toLocaleString('en-US', { maximumFractionDigits: n >= 100 ? 0 : 1, minimumFractionDigits: n >= 100 ? 0 : 1 }),
  milliseconds: seconds => seconds == null ? '–' : `${(1000 * seconds).toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 })} ms`,
  percent: share => `${(100 * (share ?? 0)).toFixed(1)}%`,
  duration: seconds => {
    if (seconds == null) return '–';
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m ${String(r).padStart(2, '0')}s` : m > 0 ? `${m}m ${String(r).padStart(2, '0')}s` : `${(seconds).toFixed(1)} s`;
  },
  // One unambiguous form everywhere, in UTC: 2026-12-07 13:05:12 UTC (a locale's 07/12/2026 reads as July in half the world).
  clock: iso => iso ? `${new Date(iso).toISOString().slice(11, 19)} UTC` : '–',
  dateTime: iso => iso ? `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC` : '–',
  device: key => {
    const hash = key.lastIndexOf('#');
    return { silo: key.slice(0, hash).split('@')[0], index: key.slice(hash + 1) };
  },
};
