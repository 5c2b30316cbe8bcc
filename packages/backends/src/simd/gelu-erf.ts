/**
 * Exact GELU (BERT's `gelu`, x·Φ(x)) forward and backward in wasm SIMD, four values at a time, with the same formulas
 * as kernels-js/gelu.ts:
 *
 *   e = exp(−x²/2),  t = 1 / (1 + p·|x|/√2),  h = 0.5·t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·e
 *   Φ(x) = h for x < 0, 1 − h otherwise          (erf by Abramowitz & Stegun 7.1.26, |error| < 1.5e-7)
 *   geluErfForward(x, y, n4):        y = x·Φ(x)
 *   geluErfBackward(dy, x, dx, n4):  dx = dy·(Φ(x) + x·e/√(2π))
 *
 * exp is exp.ts's. Byte addresses; n4 = number of floats, a multiple of 4.
 */
import { type FunctionBuilder, V128 } from './assembler.js';
import { elementwiseFunction } from './elementwise.js';
import { declareExpConstants, EXP_LOCALS, emitExp } from './exp.js';

const P = 0.3275911;
const A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429];

function declareConstants(f: FunctionBuilder): void {
  const consts: [string, number][] = [
    ...A.map((a, i): [string, number] => [`a${i}`, a]),
    ['vPz', P * Math.SQRT1_2],
    ['vHalf', 0.5],
    ['vNegHalf', -0.5],
    ['vOne', 1],
    ['vZero', 0],
    ['vInvSqrt2Pi', 1 / Math.sqrt(2 * Math.PI)],
  ];
  f.locals(V128, ...consts.map(([n]) => n));
  for (const [n, v] of consts) f.f32(v).simd('f32x4Splat').set(n);
  declareExpConstants(f);
}

/** From local `x`: e = exp(−x²/2) and phi = Φ(x); uses locals w, t, q, h and exp's. */
function emitPhi(f: FunctionBuilder): void {
  f.get('x').get('x').simd('f32x4Mul').get('vNegHalf').simd('f32x4Mul').set('w');
  emitExp(f);
  // t = 1 / (1 + p·|x|/√2)
  f.get('vOne').get('x').simd('f32x4Abs').get('vPz').simd('f32x4Mul').get('vOne').simd('f32x4Add').simd('f32x4Div');
  f.set('t');
  f.get(`a${A.length - 1}`).set('q');
  for (let i = A.length - 2; i >= 0; i--) f.get('q').get('t').simd('f32x4Mul').get(`a${i}`).simd('f32x4Add').set('q');
  // h = 0.5·t·q·e ; Φ = x < 0 ? h : 1 − h
  f.get('q').get('t').simd('f32x4Mul').get('e').simd('f32x4Mul').get('vHalf').simd('f32x4Mul').set('h');
  f.get('h');
  f.get('vOne').get('h').simd('f32x4Sub');
  f.get('x').get('vZero').simd('f32x4Lt');
  f.simd('v128Bitselect').set('phi');
}

const WORK = ['w', 'e', 't', 'q', 'h', 'phi', ...EXP_LOCALS];

function setup(f: FunctionBuilder): void {
  f.locals(V128, ...WORK);
  declareConstants(f);
}

export function geluErfForwardFunction(): FunctionBuilder {
  return elementwiseFunction('geluErfForward', 'forward', setup, (g) => {
    emitPhi(g);
    g.get('x').get('phi').simd('f32x4Mul'); // x·Φ
  });
}

export function geluErfBackwardFunction(): FunctionBuilder {
  return elementwiseFunction('geluErfBackward', 'backward', setup, (g) => {
    emitPhi(g);
    // Φ + x·e/√(2π)
    g.get('x').get('e').simd('f32x4Mul').get('vInvSqrt2Pi').simd('f32x4Mul').get('phi').simd('f32x4Add');
  });
}
