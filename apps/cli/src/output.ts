/**
 * Where a command's words go: results on stdout (JSON with `--json`), progress and logs on stderr, a live progress
 * line only when stderr is a TTY.
 */
export interface Output {
  json: boolean;
  /** The command's result: printed as JSON with `--json`, else as the given text. */
  result(value: unknown, text?: string): void;
  /** A log line on stderr (suppressed nowhere: stderr is for humans). */
  log(line: string): void;
  /** A transient progress line (TTY only); `done()` clears it. */
  progress(line: string): void;
  done(): void;
  isTTY: boolean;
}

export function createOutput(
  json: boolean,
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
): Output {
  const isTTY = Boolean(stderr.isTTY);
  let live = false;
  const clear = () => {
    if (live) {
      stderr.write('\r\x1b[2K');
      live = false;
    }
  };
  return {
    json,
    isTTY,
    result(value, text) {
      clear();
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else if (text !== undefined) stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    log(line) {
      clear();
      stderr.write(`${line}\n`);
    },
    progress(line) {
      if (!isTTY) return;
      const width = (stderr.columns ?? 100) - 1;
      stderr.write(`\r\x1b[2K${line.length > width ? line.slice(0, width) : line}`);
      live = true;
    },
    done: clear,
  };
}

/** A text progress bar: `[#####.....] 50%`. */
export function bar(fraction: number, width = 24): string {
  const f = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`
    : `${m}:${String(sec).padStart(2, '0')}`;
}
