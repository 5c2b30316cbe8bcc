/**
 * The pieces of a softmax cross-entropy row in wasm SIMD, four values at a time (exp is exp.ts's):
 *   rowMax(p, n4) → max of n4 floats
 *   sumExp(p, n4, shift) → Σ exp(x − shift), shift ≥ every x (added in float32: callers take short runs and add
 *                           those in float64)
 *   expScaled(p, out, n4, shift, scale): out = scale · exp(x − shift), shift ≥ every x
 * Byte addresses; n4 = number of floats, a positive multiple of 4 (the caller does the rest).
 */
import { F32, FunctionBuilder, I32, V128 } from './assembler.js';
import { declareExpConstants, EXP_LOCALS, emitExp } from './exp.js';

/** Adds the four lanes of local `v` (f32 on the stack). */
function emitLaneSum(f: FunctionBuilder, v: string): void {
  f.get(v).lane(0).get(v).lane(1).op('f32Add').get(v).lane(2).op('f32Add').get(v).lane(3).op('f32Add');
}

export function rowMaxFunction(): FunctionBuilder {
  const f = new FunctionBuilder(
    'rowMax',
    [
      ['p', I32],
      ['n4', I32],
    ],
    [F32],
  );
  f.locals(I32, 'i');
  f.locals(V128, 'm');
  f.get('p').vmem('v128Load').set('m');
  f.forRange('i', 4, 'n4', 4, (g) => {
    g.addTo('p', 16);
    g.get('m').get('p').vmem('v128Load').simd('f32x4Max').set('m');
  });
  f.get('m').lane(0).get('m').lane(1).op('f32Max').get('m').lane(2).op('f32Max').get('m').lane(3).op('f32Max');
  return f;
}

export function sumExpFunction(): FunctionBuilder {
  const f = new FunctionBuilder(
    'sumExp',
    [
      ['p', I32],
      ['n4', I32],
      ['shift', F32],
    ],
    [F32],
  );
  f.locals(I32, 'i');
  f.locals(V128, 'vShift', 'w', 'e', 'acc', ...EXP_LOCALS);
  declareExpConstants(f);
  f.get('shift').simd('f32x4Splat').set('vShift');
  f.f32(0).simd('f32x4Splat').set('acc');
  f.forRange('i', 0, 'n4', 4, (g) => {
    g.get('p').vmem('v128Load').get('vShift').simd('f32x4Sub').set('w');
    emitExp(g);
    g.get('acc').get('e').simd('f32x4Add').set('acc');
    g.addTo('p', 16);
  });
  emitLaneSum(f, 'acc');
  return f;
}

export function expScaledFunction(): FunctionBuilder {
  const f = new FunctionBuilder('expScaled', [
    ['p', I32],
    ['out', I32],
    ['n4', I32],
    ['shift', F32],
    ['scale', F32],
  ]);
  f.locals(I32, 'i');
  f.locals(V128, 'vShift', 'vScale', 'w', 'e', ...EXP_LOCALS);
  declareExpConstants(f);
  f.get('shift').simd('f32x4Splat').set('vShift');
  f.get('scale').simd('f32x4Splat').set('vScale');
  f.forRange('i', 0, 'n4', 4, (g) => {
    g.get('p').vmem('v128Load').get('vShift').simd('f32x4Sub').set('w');
    emitExp(g);
    g.get('out').get('e').get('vScale').simd('f32x4Mul').vmem('v128Store');
    g.addTo('p', 16).addTo('out', 16);
  });
  return f;
}
