/** UnsortedSegmentSum (the gradient of `gather`): out[s] = Σ_{i: ids[i] = s} x[i], rows of `inner` values. */

export function unsortedSegmentSum(
  x: Float32Array | Int32Array,
  ids: Int32Array,
  inner: number,
  numSegments: number,
  out: Float32Array | Int32Array,
): void {
  out.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue; // TensorFlow drops out-of-range ids
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j];
  }
}
