/**
 * The loop every elementwise SIMD kernel shares, four floats at a time:
 *   forward  `name(px, py, n4)`:       y = f(x)
 *   backward `name(pdy, px, pdx, n4)`: dx = dy · f′(x)
 * `setup` declares the function's V128 work locals (besides `x`) and its constants; `body` reads local `x` and leaves
 * f(x) (or f′(x)) on the stack. Byte addresses; n4 = number of floats, a multiple of 4.
 */
import { FunctionBuilder, I32, V128 } from './assembler.js';

export function elementwiseFunction(
  name: string,
  kind: 'forward' | 'backward',
  setup: (f: FunctionBuilder) => void,
  body: (g: FunctionBuilder) => void,
): FunctionBuilder {
  const backward = kind === 'backward';
  const f = new FunctionBuilder(
    name,
    backward
      ? [
          ['pdy', I32],
          ['px', I32],
          ['pout', I32],
          ['n4', I32],
        ]
      : [
          ['px', I32],
          ['pout', I32],
          ['n4', I32],
        ],
  );
  f.locals(I32, 'i');
  f.locals(V128, 'x');
  setup(f);
  f.forRange('i', 0, 'n4', 4, (g) => {
    g.get('px').vmem('v128Load').set('x');
    g.get('pout');
    body(g);
    if (backward) g.get('pdy').vmem('v128Load').simd('f32x4Mul').addTo('pdy', 16);
    g.vmem('v128Store');
    g.addTo('px', 16).addTo('pout', 16);
  });
  return f;
}
