/**
 * GELU (tanh form, GPT-2's `gelu_new`) forward and backward in wasm SIMD, four values at a time. tanh is a rational
 * function (odd degree-13 over even degree-6 polynomial, the minimax fit Eigen uses for float) on [−7.905, 7.905],
 * exact to a few float32 ulps; beyond that range tanh is ±1 in float32 anyway.
 *
 *   geluForward(x, y, n4):  y = 0.5·x·(1 + t),  t = tanh(√(2/π)·(x + 0.044715·x³))
 *   geluBackward(dy, x, dx, n4):  dx = dy·(0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²))
 * Byte addresses; n4 = number of floats, a multiple of 4 (the caller does the rest).
 */
import { type FunctionBuilder, V128 } from './assembler.js';
import { elementwiseFunction } from './elementwise.js';

const K0 = Math.sqrt(2 / Math.PI);
const K1 = 0.044715;
const CLAMP = 7.905311107635498;
const ALPHA = [
  4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8, -8.60467152213735e-11,
  2.00018790482477e-13, -2.76076847742355e-16,
];
const BETA = [4.89352518554385e-3, 2.268434632439e-3, 1.18534705686654e-4, 1.19825839466702e-6];

/** Emits t = tanh(local `u`) into local `t` (uses locals u2, p, q). */
function emitTanh(f: FunctionBuilder): void {
  // u = clamp(u, −c, c)
  f.get('u').get('vClamp').simd('f32x4Min').get('vNegClamp').simd('f32x4Max').set('u');
  f.get('u').get('u').simd('f32x4Mul').set('u2');
  // p = u·(α0 + u²(α1 + u²(α2 + …)))   (Horner from the top coefficient)
  f.get(`a${ALPHA.length - 1}`).set('p');
  for (let i = ALPHA.length - 2; i >= 0; i--)
    f.get('p').get('u2').simd('f32x4Mul').get(`a${i}`).simd('f32x4Add').set('p');
  f.get('p').get('u').simd('f32x4Mul').set('p');
  f.get(`b${BETA.length - 1}`).set('q');
  for (let i = BETA.length - 2; i >= 0; i--)
    f.get('q').get('u2').simd('f32x4Mul').get(`b${i}`).simd('f32x4Add').set('q');
  f.get('p').get('q').simd('f32x4Div').set('t');
}

function declareConstants(f: FunctionBuilder): void {
  const names = [...ALPHA.map((_, i) => `a${i}`), ...BETA.map((_, i) => `b${i}`)];
  f.locals(V128, ...names, 'vClamp', 'vNegClamp', 'vK0', 'vK1', 'vK13', 'vHalf', 'vOne');
  ALPHA.forEach((a, i) => {
    f.f32(a).simd('f32x4Splat').set(`a${i}`);
  });
  BETA.forEach((b, i) => {
    f.f32(b).simd('f32x4Splat').set(`b${i}`);
  });
  f.f32(CLAMP).simd('f32x4Splat').set('vClamp');
  f.f32(-CLAMP).simd('f32x4Splat').set('vNegClamp');
  f.f32(K0).simd('f32x4Splat').set('vK0');
  f.f32(K1).simd('f32x4Splat').set('vK1');
  f.f32(3 * K1)
    .simd('f32x4Splat')
    .set('vK13');
  f.f32(0.5).simd('f32x4Splat').set('vHalf');
  f.f32(1).simd('f32x4Splat').set('vOne');
}

/** u = K0·(x + K1·x³) from local `x`. */
function emitInner(f: FunctionBuilder): void {
  f.get('x').get('x').simd('f32x4Mul').set('x2');
  f.get('x2')
    .get('vK1')
    .simd('f32x4Mul')
    .get('vOne')
    .simd('f32x4Add')
    .get('x')
    .simd('f32x4Mul')
    .get('vK0')
    .simd('f32x4Mul')
    .set('u');
}

export function geluForwardFunction(): FunctionBuilder {
  return elementwiseFunction(
    'geluForward',
    'forward',
    (f) => {
      f.locals(V128, 'x2', 'u', 'u2', 'p', 'q', 't');
      declareConstants(f);
    },
    (g) => {
      emitInner(g);
      emitTanh(g);
      // y = 0.5·x·(1 + t)
      g.get('t').get('vOne').simd('f32x4Add').get('x').simd('f32x4Mul').get('vHalf').simd('f32x4Mul');
    },
  );
}

export function geluBackwardFunction(): FunctionBuilder {
  return elementwiseFunction(
    'geluBackward',
    'backward',
    (f) => {
      f.locals(V128, 'x2', 'u', 'u2', 'p', 'q', 't');
      declareConstants(f);
    },
    (g) => {
      emitInner(g);
      emitTanh(g);
      // 0.5·(1 + t) + 0.5·x·(1 − t²)·K0·(1 + 3·K1·x²)
      g.get('t').get('vOne').simd('f32x4Add').get('vHalf').simd('f32x4Mul');
      g.get('vOne').get('t').get('t').simd('f32x4Mul').simd('f32x4Sub');
      g.get('x').simd('f32x4Mul').get('vHalf').simd('f32x4Mul').get('vK0').simd('f32x4Mul');
      g.get('x2').get('vK13').simd('f32x4Mul').get('vOne').simd('f32x4Add').simd('f32x4Mul');
      g.simd('f32x4Add');
    },
  );
}
