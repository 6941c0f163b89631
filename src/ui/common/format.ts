export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** 1234567 -> "1.23 M". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, unit] of units) if (Math.abs(n) >= scale) return `${(n / scale).toPrecision(3)} ${unit}`;
  return String(n);
}

/** Floating-point operations: "12.3 GFLOPs". */
export function formatFlops(flops: number): string {
  const units: [number, string][] = [
    [1e12, 'TFLOPs'],
    [1e9, 'GFLOPs'],
    [1e6, 'MFLOPs'],
  ];
  for (const [scale, unit] of units) if (flops >= scale) return `${(flops / scale).toPrecision(3)} ${unit}`;
  return `${Math.round(flops)} FLOPs`;
}

/** Seconds as "42 s", "3:07", "1:02:07". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** Like formatDuration, with the fractions that matter under 10 s: 0.153 -> "0.15 s", 2.46 -> "2.5 s". */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0 || seconds >= 10) return formatDuration(seconds);
  return `${seconds.toFixed(seconds < 1 ? 2 : 1)} s`;
}

/** 0.8734 -> "87.3%". */
export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** Numbers of any size in a few characters: 0.0004 -> "4e-4", 2.5 -> "2.5". */
export function formatCompact(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) < 1e-2 || Math.abs(value) >= 1e5)) {
    const [mantissa, exponent] = value.toExponential(2).split('e');
    return `${Number(mantissa)}e${Number(exponent)}`;
  }
  return String(Number(value.toPrecision(4)));
}
