/**
 * A chart as a list of simple shapes, in pixel coordinates (y down), that both renderers draw: `svg.ts` as vector
 * text and `raster.ts` into pixels for PNG.
 */
export type Shape =
  | { kind: 'rect'; x: number; y: number; width: number; height: number; fill: string }
  | { kind: 'line'; points: [number, number][]; stroke: string; width: number }
  | { kind: 'circle'; x: number; y: number; r: number; fill: string }
  | {
      kind: 'text';
      x: number;
      y: number;
      text: string;
      size: number;
      anchor: 'start' | 'middle' | 'end';
      fill: string;
    };

export interface Scene {
  width: number;
  height: number;
  background: string;
  shapes: Shape[];
}
