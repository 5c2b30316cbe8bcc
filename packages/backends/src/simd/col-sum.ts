/**
 * Column sums in wasm SIMD, added in float64: acc[j] += Σ_r x[r·cols + j] for `rows` rows of `cols` floats (a
 * multiple of 4), acc being `cols` float64 values. Each row is read once, four floats at a time, widened to two
 * f64x2 halves and added to the accumulator row (which stays in cache for the widths a transformer has).
 * Byte addresses.
 */
import { FunctionBuilder, I32, V128 } from './assembler.js';

/** i8x16.shuffle lanes moving floats 2 and 3 of a vector to places 0 and 1. */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

export function colSumFunction(): FunctionBuilder {
  const f = new FunctionBuilder('colSum', [
    ['x', I32],
    ['acc', I32],
    ['rows', I32],
    ['cols', I32],
  ]);
  f.locals(I32, 'r', 'j', 'pa');
  f.locals(V128, 'v');
  f.forRange('r', 0, 'rows', 1, (g) => {
    g.get('acc').set('pa');
    g.forRange('j', 0, 'cols', 4, (h) => {
      h.get('x').vmem('v128Load').set('v');
      // acc[j], acc[j+1] += widen(v[0], v[1])
      h.get('pa');
      h.get('pa').vmem('v128Load').get('v').simd('f64x2PromoteLowF32x4').simd('f64x2Add');
      h.vmem('v128Store');
      // acc[j+2], acc[j+3] += widen(v[2], v[3])
      h.get('pa');
      h.get('pa').vmem('v128Load', 16).get('v').get('v').shuffle(HIGH_HALF).simd('f64x2PromoteLowF32x4');
      h.simd('f64x2Add').vmem('v128Store', 16);
      h.addTo('x', 16).addTo('pa', 32);
    });
  });
  return f;
}
