/** Renders a scene as a standalone SVG document. */
import type { Scene, Shape } from './scene.js';

export function renderSvg(scene: Scene): string {
  const body = scene.shapes.map(shape).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${scene.width}" height="${scene.height}" viewBox="0 0 ${scene.width} ${scene.height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="${scene.background}"/>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

function shape(s: Shape): string {
  switch (s.kind) {
    case 'rect':
      return `<rect x="${n(s.x)}" y="${n(s.y)}" width="${n(s.width)}" height="${n(s.height)}" fill="${s.fill}"/>`;
    case 'line':
      return `<polyline fill="none" stroke="${s.stroke}" stroke-width="${s.width}" stroke-linejoin="round" stroke-linecap="round" points="${s.points.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')}"/>`;
    case 'circle':
      return `<circle cx="${n(s.x)}" cy="${n(s.y)}" r="${s.r}" fill="${s.fill}"/>`;
    case 'text':
      return `<text x="${n(s.x)}" y="${n(s.y)}" font-size="${s.size}" text-anchor="${s.anchor}" fill="${s.fill}">${escapeXml(s.text)}</text>`;
  }
}

function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}
