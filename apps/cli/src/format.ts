/** Number formats shared by the training commands. */
export function fixed(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? String(value ?? '-')
    : value.toFixed(digits);
}

export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** 1234567 → "1.23M", 12345 → "12.3k". */
export function compact(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(2)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(0);
}

export function lr(value: number): string {
  return value.toExponential(2);
}
