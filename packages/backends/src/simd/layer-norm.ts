/**
 * LayerNorm over rows of `cols` floats (a multiple of 4) in wasm SIMD, the same formulas as kernels-js/layer-norm.ts:
 *
 *   layerNormForward(x, gamma, beta, y, mean, rstd, rows, cols, eps):
 *     μ = mean(x), rstd = 1 / √(mean((x − μ)²) + eps) (two passes), y = (x − μ)·rstd·γ + β
 *   layerNormBackward(dy, x, gamma, mean, rstd, dx, dGamma, dBeta, rows, cols):
 *     g = dy·γ, x̂ = (x − μ)·rstd, dx = rstd·(g − mean(g) − x̂·mean(g·x̂)); dγ += dy·x̂ and dβ += dy (the caller zeroes them)
 * Byte addresses.
 */
import { F32, FunctionBuilder, I32, V128 } from './assembler.js';

/** Sums the four lanes of local `v` (f32 on the stack). */
function laneSum(f: FunctionBuilder, v: string): void {
  f.get(v).lane(0).get(v).lane(1).op('f32Add').get(v).lane(2).op('f32Add').get(v).lane(3).op('f32Add');
}

/** `local = address + j·4` for each named address in `from`, into the matching name in `to`. */
function offsets(f: FunctionBuilder, from: string[], to: string[], j4: string): void {
  from.forEach((a, i) => {
    f.get(a).get(j4).op('i32Add').set(to[i]);
  });
}

export function layerNormForwardFunction(): FunctionBuilder {
  const f = new FunctionBuilder('layerNormForward', [
    ['x', I32],
    ['gamma', I32],
    ['beta', I32],
    ['y', I32],
    ['mean', I32],
    ['rstd', I32],
    ['rows', I32],
    ['cols', I32],
    ['eps', F32],
  ]);
  f.locals(I32, 'r', 'j', 'j4', 'px', 'pg', 'pb', 'py', 'row4');
  f.locals(F32, 'mu', 'rs', 'n');
  f.locals(V128, 'acc', 'd', 'vmu', 'vrs');
  f.get('cols').op('f32ConvertI32S').set('n');
  f.get('cols').i32(2).op('i32Shl').set('row4');
  f.forRange('r', 0, 'rows', 1, (g) => {
    // μ
    g.f32(0).simd('f32x4Splat').set('acc');
    g.forRange('j', 0, 'cols', 4, (h) => {
      h.get('x').get('j').i32(2).op('i32Shl').op('i32Add').vmem('v128Load');
      h.get('acc').simd('f32x4Add').set('acc');
    });
    laneSum(g, 'acc');
    g.get('n').op('f32Div').set('mu');
    g.get('mu').simd('f32x4Splat').set('vmu');
    // rstd
    g.f32(0).simd('f32x4Splat').set('acc');
    g.forRange('j', 0, 'cols', 4, (h) => {
      h.get('x').get('j').i32(2).op('i32Shl').op('i32Add').vmem('v128Load').get('vmu').simd('f32x4Sub').set('d');
      h.get('acc').get('d').get('d').simd('f32x4Mul').simd('f32x4Add').set('acc');
    });
    g.f32(1);
    laneSum(g, 'acc');
    g.get('n').op('f32Div').get('eps').op('f32Add').op('f32Sqrt').op('f32Div').set('rs');
    g.get('rs').simd('f32x4Splat').set('vrs');
    g.get('mean').get('mu').mem('f32Store');
    g.get('rstd').get('rs').mem('f32Store');
    // y = (x − μ)·rstd·γ + β
    g.forRange('j', 0, 'cols', 4, (h) => {
      h.get('j').i32(2).op('i32Shl').set('j4');
      offsets(h, ['x', 'gamma', 'beta', 'y'], ['px', 'pg', 'pb', 'py'], 'j4');
      h.get('py');
      h.get('px').vmem('v128Load').get('vmu').simd('f32x4Sub').get('vrs').simd('f32x4Mul');
      h.get('pg').vmem('v128Load').simd('f32x4Mul').get('pb').vmem('v128Load').simd('f32x4Add');
      h.vmem('v128Store');
    });
    g.addTo('x', 'row4').addTo('y', 'row4').addTo('mean', 4).addTo('rstd', 4);
  });
  return f;
}

export function layerNormBackwardFunction(): FunctionBuilder {
  const f = new FunctionBuilder('layerNormBackward', [
    ['dy', I32],
    ['x', I32],
    ['gamma', I32],
    ['mean', I32],
    ['rstd', I32],
    ['dx', I32],
    ['dGamma', I32],
    ['dBeta', I32],
    ['rows', I32],
    ['cols', I32],
  ]);
  f.locals(I32, 'r', 'j', 'j4', 'px', 'pdy', 'pg', 'pdg', 'pdb', 'pdx', 'row4');
  f.locals(F32, 'n');
  f.locals(V128, 'vmu', 'vrs', 'xh', 'd', 'gv', 'accG', 'accGX', 'vmg', 'vmgx');
  f.get('cols').op('f32ConvertI32S').set('n');
  f.get('cols').i32(2).op('i32Shl').set('row4');
  f.forRange('r', 0, 'rows', 1, (g) => {
    g.get('mean').mem('f32Load').simd('f32x4Splat').set('vmu');
    g.get('rstd').mem('f32Load').simd('f32x4Splat').set('vrs');
    g.f32(0).simd('f32x4Splat').set('accG');
    g.f32(0).simd('f32x4Splat').set('accGX');
    g.forRange('j', 0, 'cols', 4, (h) => {
      h.get('j').i32(2).op('i32Shl').set('j4');
      offsets(h, ['x', 'dy', 'gamma', 'dGamma', 'dBeta'], ['px', 'pdy', 'pg', 'pdg', 'pdb'], 'j4');
      h.get('px').vmem('v128Load').get('vmu').simd('f32x4Sub').get('vrs').simd('f32x4Mul').set('xh');
      h.get('pdy').vmem('v128Load').set('d');
      h.get('d').get('pg').vmem('v128Load').simd('f32x4Mul').set('gv');
      h.get('accG').get('gv').simd('f32x4Add').set('accG');
      h.get('accGX').get('gv').get('xh').simd('f32x4Mul').simd('f32x4Add').set('accGX');
      h.get('pdg').get('pdg').vmem('v128Load').get('d').get('xh').simd('f32x4Mul').simd('f32x4Add').vmem('v128Store');
      h.get('pdb').get('pdb').vmem('v128Load').get('d').simd('f32x4Add').vmem('v128Store');
    });
    laneSum(g, 'accG');
    g.get('n').op('f32Div').simd('f32x4Splat').set('vmg');
    laneSum(g, 'accGX');
    g.get('n').op('f32Div').simd('f32x4Splat').set('vmgx');
    // dx = rstd·(dy·γ − mean(g) − x̂·mean(g·x̂))
    g.forRange('j', 0, 'cols', 4, (h) => {
      h.get('j').i32(2).op('i32Shl').set('j4');
      offsets(h, ['x', 'dy', 'gamma', 'dx'], ['px', 'pdy', 'pg', 'pdx'], 'j4');
      h.get('pdx');
      h.get('pdy').vmem('v128Load').get('pg').vmem('v128Load').simd('f32x4Mul').get('vmg').simd('f32x4Sub');
      h.get('px').vmem('v128Load').get('vmu').simd('f32x4Sub').get('vrs').simd('f32x4Mul');
      h.get('vmgx').simd('f32x4Mul').simd('f32x4Sub').get('vrs').simd('f32x4Mul');
      h.vmem('v128Store');
    });
    g.addTo('x', 'row4').addTo('dy', 'row4').addTo('dx', 'row4').addTo('mean', 4).addTo('rstd', 4);
  });
  return f;
}
