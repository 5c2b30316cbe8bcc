/**
 * Batched 2-D transpose in wasm: out[b][j][i] = x[b][i][j] for `batch` matrices [rows, cols].
 * Rows are taken in bands of 8 so that each pass over the columns writes runs of 8 contiguous floats and reads 8
 * cache lines that stay hot.
 */
import { FunctionBuilder, I32 } from './assembler.js';

const BAND = 8;

export function transposeFunction(): FunctionBuilder {
  const f = new FunctionBuilder('transpose', [
    ['x', I32],
    ['out', I32],
    ['batch', I32],
    ['rows', I32],
    ['cols', I32],
  ]);
  f.locals(I32, 'bi', 'ib', 'iEnd', 'i', 'j', 'px', 'po', 'cols4', 'rows4', 'size4', 'xb', 'ob');
  f.get('cols').i32(2).op('i32Shl').set('cols4');
  f.get('rows').i32(2).op('i32Shl').set('rows4');
  f.get('rows').get('cols').op('i32Mul').i32(2).op('i32Shl').set('size4');
  f.get('x').set('xb');
  f.get('out').set('ob');
  f.forRange('bi', 0, 'batch', 1, (g) => {
    g.forRange('ib', 0, 'rows', BAND, (h) => {
      // iEnd = min(ib + 8, rows)
      h.get('ib').i32(BAND).op('i32Add').set('iEnd');
      h.get('iEnd')
        .get('rows')
        .op('i32GtS')
        .ifThen((q) => q.get('rows').set('iEnd'));
      h.forRange('j', 0, 'cols', 1, (q) => {
        // px = xb + (ib·cols + j)·4 ; po = ob + (j·rows + ib)·4
        q.get('xb')
          .get('ib')
          .get('cols4')
          .op('i32Mul')
          .op('i32Add')
          .get('j')
          .i32(2)
          .op('i32Shl')
          .op('i32Add')
          .set('px');
        q.get('ob')
          .get('j')
          .get('rows4')
          .op('i32Mul')
          .op('i32Add')
          .get('ib')
          .i32(2)
          .op('i32Shl')
          .op('i32Add')
          .set('po');
        q.forRange('i', 'ib', 'iEnd', 1, (r) => {
          r.get('po').get('px').mem('f32Load').mem('f32Store');
          r.addTo('px', 'cols4').addTo('po', 4);
        });
      });
    });
    g.addTo('xb', 'size4').addTo('ob', 'size4');
  });
  return f;
}
