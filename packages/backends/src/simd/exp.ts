/**
 * exp(w) for w ≤ 0 in wasm SIMD (softmax terms, normal densities): w clamped to −87 (exp is then below float32's
 * smallest normal anyway), k = round(w / ln 2), r = w − k·ln 2 in two parts (Cody–Waite), e^r by its Taylor polynomial
 * to r⁷ (|r| ≤ ln 2 / 2: relative error under 6e-9), times 2^k built in the exponent bits. NaN stays NaN.
 */
import { type FunctionBuilder, V128 } from './assembler.js';

const LN2_HI = 0.693359375; // exact in float32 with few bits, so k·LN2_HI is exact for |k| < 2^15
const LN2_LO = Math.LN2 - LN2_HI;
/** 1/n! for n = 0 … 7. */
const TAYLOR = [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040];

/** Work locals `emitExp` uses (declare them as V128 in the function). */
export const EXP_LOCALS = ['expK', 'expR', 'expP'];

/** Declares and sets the constants `emitExp` reads. */
export function declareExpConstants(f: FunctionBuilder): void {
  const consts: [string, number][] = [
    ...TAYLOR.map((c, i): [string, number] => [`expC${i}`, c]),
    ['expMinArg', -87],
    ['expLog2e', Math.LOG2E],
    ['expLn2Hi', LN2_HI],
    ['expLn2Lo', LN2_LO],
  ];
  f.locals(V128, ...consts.map(([n]) => n), 'expBias');
  for (const [n, v] of consts) f.f32(v).simd('f32x4Splat').set(n);
  f.i32(127).simd('i32x4Splat').set('expBias');
}

/** Local `out` = exp(local `w`), w ≤ 0 (w is clamped in place). */
export function emitExp(f: FunctionBuilder, w = 'w', out = 'e'): void {
  f.get(w).get('expMinArg').simd('f32x4Max').set(w);
  f.get(w).get('expLog2e').simd('f32x4Mul').simd('f32x4Nearest').set('expK');
  f.get(w).get('expK').get('expLn2Hi').simd('f32x4Mul').simd('f32x4Sub');
  f.get('expK').get('expLn2Lo').simd('f32x4Mul').simd('f32x4Sub').set('expR');
  f.get(`expC${TAYLOR.length - 1}`).set('expP');
  for (let i = TAYLOR.length - 2; i >= 0; i--)
    f.get('expP').get('expR').simd('f32x4Mul').get(`expC${i}`).simd('f32x4Add').set('expP');
  // 2^k: (k + 127) << 23 read as a float
  f.get('expK').simd('i32x4TruncSatF32x4S').get('expBias').simd('i32x4Add').i32(23).simd('i32x4Shl');
  f.get('expP').simd('f32x4Mul').set(out);
}
