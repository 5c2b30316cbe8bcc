/**
 * Draws a scene into RGB pixels: anti-aliased thick lines and discs by distance to the shape, text with the bitmap
 * font scaled to roughly the requested size.
 */
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font.js';
import type { Scene } from './scene.js';

export interface Raster {
  width: number;
  height: number;
  /** RGB, row-major. */
  pixels: Uint8Array;
}

export function rasterize(scene: Scene): Raster {
  const { width, height } = scene;
  const pixels = new Uint8Array(width * height * 3);
  const canvas = { width, height, pixels };
  fillRect(canvas, 0, 0, width, height, parseColor(scene.background));
  for (const s of scene.shapes) {
    if (s.kind === 'rect') fillRect(canvas, s.x, s.y, s.width, s.height, parseColor(s.fill));
    else if (s.kind === 'line') {
      const color = parseColor(s.stroke);
      for (let i = 1; i < s.points.length; i++) segment(canvas, s.points[i - 1], s.points[i], s.width, color);
    } else if (s.kind === 'circle') segment(canvas, [s.x, s.y], [s.x, s.y], 2 * s.r, parseColor(s.fill));
    else drawText(canvas, s.x, s.y, s.text, s.size, s.anchor, parseColor(s.fill));
  }
  return canvas;
}

type Rgb = [number, number, number];

export function parseColor(color: string): Rgb {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) return [0, 0, 0];
  const v = Number.parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function blend(c: Raster, x: number, y: number, color: Rgb, alpha: number): void {
  if (x < 0 || y < 0 || x >= c.width || y >= c.height || alpha <= 0) return;
  const i = (y * c.width + x) * 3;
  const a = Math.min(1, alpha);
  for (let k = 0; k < 3; k++) c.pixels[i + k] = Math.round(c.pixels[i + k] * (1 - a) + color[k] * a);
}

function fillRect(c: Raster, x: number, y: number, w: number, h: number, color: Rgb): void {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(c.width, Math.round(x + w));
  const y1 = Math.min(c.height, Math.round(y + h));
  for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) blend(c, xx, yy, color, 1);
}

/** A segment of the given width with round caps; coverage falls off over one pixel at the edge. */
function segment(c: Raster, a: [number, number], b: [number, number], width: number, color: Rgb): void {
  const half = width / 2;
  const minX = Math.floor(Math.min(a[0], b[0]) - half - 1);
  const maxX = Math.ceil(Math.max(a[0], b[0]) + half + 1);
  const minY = Math.floor(Math.min(a[1], b[1]) - half - 1);
  const maxY = Math.ceil(Math.max(a[1], b[1]) + half + 1);
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  for (let y = Math.max(0, minY); y <= Math.min(c.height - 1, maxY); y++) {
    for (let x = Math.max(0, minX); x <= Math.min(c.width - 1, maxX); x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a[0]) * dx + (py - a[1]) * dy) / len2));
      const d = Math.hypot(px - (a[0] + t * dx), py - (a[1] + t * dy));
      blend(c, x, y, color, half + 0.5 - d);
    }
  }
}

function drawText(
  c: Raster,
  x: number,
  baseline: number,
  text: string,
  size: number,
  anchor: 'start' | 'middle' | 'end',
  color: Rgb,
): void {
  const scale = Math.max(1, Math.round(size / 9));
  const advance = (GLYPH_WIDTH + 1) * scale;
  const total = text.length * advance - scale;
  let left = Math.round(anchor === 'start' ? x : anchor === 'middle' ? x - total / 2 : x - total);
  const top = Math.round(baseline - GLYPH_HEIGHT * scale);
  for (const ch of text) {
    const bits = glyph(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (bits[gy * GLYPH_WIDTH + gx]) fillRect(c, left + gx * scale, top + gy * scale, scale, scale, color);
      }
    }
    left += advance;
  }
}
