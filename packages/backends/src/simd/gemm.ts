/**
 * A float32 GEMM in WebAssembly SIMD, generated at run time:
 *
 *   gemm(a, lda, b, ldb, c, ldc, m, n, k, alpha, accumulate)
 *   C[i, j] = alpha · Σ_k A[i·lda + k] · B[k·ldb + j]  (+ C[i, j] when accumulate ≠ 0),  i < m, j < n
 *
 * a, b, c are byte addresses in the imported memory; lda, ldb, ldc are row strides in floats, so a row-strided view
 * (one head inside the packed qkv) needs no copy. B's rows must be contiguous along j (SIMD runs along j). Tiles of
 * 4 rows × 8 columns keep 8 accumulators in registers; leftover rows use 1 × 8 tiles, leftover columns a scalar loop.
 */
import { F32, FunctionBuilder, I32, V128 } from './assembler.js';

const TILE_COLS = 8;

export function gemmFunction(): FunctionBuilder {
  const f = new FunctionBuilder('gemm', [
    ['a', I32],
    ['lda', I32],
    ['b', I32],
    ['ldb', I32],
    ['c', I32],
    ['ldc', I32],
    ['m', I32],
    ['n', I32],
    ['k', I32],
    ['alpha', F32],
    ['accumulate', I32],
  ]);
  f.locals(
    I32,
    'lda4',
    'ldb4',
    'ldc4',
    'i',
    'j',
    'kk',
    'm4',
    'n8',
    'pa0',
    'pa1',
    'pa2',
    'pa3',
    'pb',
    'pc',
    'rowA',
    'rowC',
  );
  f.locals(F32, 's');
  f.locals(V128, 'alphaV', 'bv0', 'bv1', 'av', 'c00', 'c01', 'c10', 'c11', 'c20', 'c21', 'c30', 'c31');
  // Strides in bytes; tile limits.
  f.get('lda').i32(2).op('i32Shl').set('lda4');
  f.get('ldb').i32(2).op('i32Shl').set('ldb4');
  f.get('ldc').i32(2).op('i32Shl').set('ldc4');
  f.get('m').i32(-4).op('i32And').set('m4');
  f.get('n').i32(-TILE_COLS).op('i32And').set('n8');
  f.get('alpha').simd('f32x4Splat').set('alphaV');

  // Full 4-row tiles, then single rows, over the columns that fill whole 8-wide tiles.
  f.forRange('i', 0, 'm4', 4, (g) => g.forRange('j', 0, 'n8', TILE_COLS, (h) => tile(h, 4)));
  f.forRange('i', 'm4', 'm', 1, (g) => g.forRange('j', 0, 'n8', TILE_COLS, (h) => tile(h, 1)));
  // Leftover columns, one scalar dot product each.
  f.forRange('i', 0, 'm', 1, (g) =>
    g.forRange('j', 'n8', 'n', 1, (h) => {
      h.get('a').get('i').get('lda4').op('i32Mul').op('i32Add').set('pa0');
      h.get('b').get('j').i32(2).op('i32Shl').op('i32Add').set('pb');
      h.f32(0).set('s');
      h.forRange('kk', 0, 'k', 1, (q) => {
        q.get('s').get('pa0').mem('f32Load').get('pb').mem('f32Load').op('f32Mul').op('f32Add').set('s');
        q.addTo('pa0', 4).addTo('pb', 'ldb4');
      });
      h.get('c').get('i').get('ldc4').op('i32Mul').op('i32Add').get('j').i32(2).op('i32Shl').op('i32Add').set('pc');
      h.get('s').get('alpha').op('f32Mul').set('s');
      h.get('accumulate').ifThen((q) => q.get('s').get('pc').mem('f32Load').op('f32Add').set('s'));
      h.get('pc').get('s').mem('f32Store');
    }),
  );
  return f;
}

/** One tile of `rows` × 8 at (i, j). */
function tile(f: FunctionBuilder, rows: 1 | 4): void {
  const pa = ['pa0', 'pa1', 'pa2', 'pa3'].slice(0, rows);
  const acc = [
    ['c00', 'c01'],
    ['c10', 'c11'],
    ['c20', 'c21'],
    ['c30', 'c31'],
  ].slice(0, rows);
  f.get('a').get('i').get('lda4').op('i32Mul').op('i32Add').set('pa0');
  for (let r = 1; r < rows; r++)
    f.get(pa[r - 1])
      .get('lda4')
      .op('i32Add')
      .set(pa[r]);
  f.get('b').get('j').i32(2).op('i32Shl').op('i32Add').set('pb');
  for (const row of acc) for (const name of row) f.f32(0).simd('f32x4Splat').set(name);
  f.forRange('kk', 0, 'k', 1, (g) => {
    g.get('pb').vmem('v128Load', 0).set('bv0');
    g.get('pb').vmem('v128Load', 16).set('bv1');
    for (let r = 0; r < rows; r++) {
      g.get(pa[r]).mem('f32Load').simd('f32x4Splat').set('av');
      g.get(acc[r][0]).get('av').get('bv0').simd('f32x4Mul').simd('f32x4Add').set(acc[r][0]);
      g.get(acc[r][1]).get('av').get('bv1').simd('f32x4Mul').simd('f32x4Add').set(acc[r][1]);
      g.addTo(pa[r], 4);
    }
    g.addTo('pb', 'ldb4');
  });
  const store = (g: FunctionBuilder, accumulate: boolean) => {
    g.get('c').get('i').get('ldc4').op('i32Mul').op('i32Add').get('j').i32(2).op('i32Shl').op('i32Add').set('pc');
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < 2; v++) {
        g.get('pc');
        g.get(acc[r][v]).get('alphaV').simd('f32x4Mul');
        if (accumulate)
          g.get('pc')
            .vmem('v128Load', 16 * v)
            .simd('f32x4Add');
        g.vmem('v128Store', 16 * v);
      }
      g.addTo('pc', 'ldc4');
    }
  };
  f.get('accumulate').ifThen(
    (g) => store(g, true),
    (g) => store(g, false),
  );
}
