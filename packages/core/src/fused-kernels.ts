/**
 * The fused-kernel contract between @selfsup/model (which calls them) and @selfsup/backends (which registers them).
 *
 * The model checks whether the active backend has a kernel of each name (`tf.getKernel(name, tf.getBackend())`); when it
 * does, it runs the kernel through `tf.engine().runKernel` with a custom gradient that runs the matching `…Grad`
 * kernel; when it does not, it computes the same thing with plain tfjs-core ops. Both paths must agree to 1e-5.
 * Only names and semantics live here (no TensorFlow import), so both packages share one source of truth.
 *
 * Shapes use N = rows (batch × time), V = vocabulary, C = channels, B = batch, T = time, H = heads, D = C / H.
 * All float tensors are float32; ids and labels are int32.
 */
export const FusedKernel = {
  /**
   * Softmax cross-entropy from integer labels, no one-hot.
   * inputs: { logits: [N, V], labels: [N] }; attrs: { ignoreIndex: number }
   * outputs: [ loss: [N] (−log softmax(logits)[label], 0 where label == ignoreIndex), logSumExp: [N] ]
   */
  SparseCrossEntropy: 'SelfsupSparseCrossEntropy',
  /**
   * inputs: { logits: [N, V], labels: [N], logSumExp: [N], dy: [N] }; attrs: { ignoreIndex: number }
   * outputs: [ dLogits: [N, V] = dy[n] · (exp(logits − logSumExp) − onehot(label)), zero rows where ignored ]
   */
  SparseCrossEntropyGrad: 'SelfsupSparseCrossEntropyGrad',
  /**
   * LayerNorm over the last axis (biased variance, like PyTorch).
   * inputs: { x: [N, C], gamma: [C], beta: [C] }; attrs: { epsilon: number }
   * outputs: [ y: [N, C], mean: [N], rstd: [N] = 1 / sqrt(var + epsilon) ]
   */
  LayerNorm: 'SelfsupLayerNorm',
  /**
   * inputs: { dy: [N, C], x: [N, C], gamma: [C], mean: [N], rstd: [N] }
   * outputs: [ dx: [N, C], dGamma: [C], dBeta: [C] ]
   */
  LayerNormGrad: 'SelfsupLayerNormGrad',
  /**
   * GELU, tanh approximation (GPT-2's `gelu_new`): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
   * inputs: { x: any shape }; outputs: [ y: same shape ]
   */
  Gelu: 'SelfsupGelu',
  /** inputs: { dy, x } (same shape); outputs: [ dx ] */
  GeluGrad: 'SelfsupGeluGrad',
  /**
   * GELU, exact form (BERT's and Hugging Face's `gelu`): x·Φ(x) = 0.5·x·(1 + erf(x / √2)).
   * inputs: { x: any shape }; outputs: [ y: same shape ]
   */
  GeluErf: 'SelfsupGeluErf',
  /** inputs: { dy, x } (same shape); outputs: [ dx = dy·(Φ(x) + x·φ(x)) ], φ(x) = exp(−x²/2) / √(2π) */
  GeluErfGrad: 'SelfsupGeluErfGrad',
  /**
   * Multi-head scaled dot-product attention straight from the packed projection, so no head transposes are needed.
   * inputs: { qkv: [B, T, 3C] } and optionally { attentionMask: int32 [B, T] (1 = attend to this key, 0 = padding) }
   *   and { dropMask: float32 [B, H, T, T] } (attention dropout: each probability's multiplier, 0 or 1/(1 − rate);
   *   y = (probs ⊙ dropMask) v, while the probs output stays the undropped softmax)
   *   q = qkv[..., 0:C], k = qkv[..., C:2C], v = qkv[..., 2C:3C]; head h uses columns h·D … (h+1)·D − 1 of each
   *   (GPT-2's c_attn split followed by view(B, T, H, D)).
   * attrs: { nHead: number, causal: boolean, scale: number } (scale is usually 1/√D)
   * outputs: [ y: [B, T, C] (heads merged back in order), probs: [B, H, T, T] (the softmax, saved for the gradient) ]
   * Masked scores are excluded from the softmax (a row with every key masked gives zeros).
   */
  Attention: 'SelfsupAttention',
  /**
   * inputs: { dy: [B, T, C], qkv: [B, T, 3C], probs: [B, H, T, T] } and the forward's { dropMask } if it had one;
   * attrs: { nHead, causal, scale }
   * outputs: [ dQkv: [B, T, 3C] ]
   */
  AttentionGrad: 'SelfsupAttentionGrad',
  /**
   * One AdamW step for one parameter, in place semantics expressed functionally.
   * inputs: { param: [...], grad: [...], m: [...], v: [...] } (same shape)
   * attrs: { lr, beta1, beta2, eps, weightDecay, step } (step counts from 1; bias correction uses it)
   *   m' = β1·m + (1−β1)·g;  v' = β2·v + (1−β2)·g²
   *   p' = p − lr·( (m'/(1−β1^step)) / (sqrt(v'/(1−β2^step)) + eps) + weightDecay·p )
   * outputs: [ param', m', v' ]
   */
  AdamW: 'SelfsupAdamW',
} as const;

export type FusedKernelName = (typeof FusedKernel)[keyof typeof FusedKernel];
