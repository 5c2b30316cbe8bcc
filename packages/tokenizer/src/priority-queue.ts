/**
 * A binary max-heap of pairs for BPE training: the highest count first, ties broken by the smaller pair (left id,
 * then right id), so training is deterministic. Entries are (count, left, right, pair index) in typed arrays.
 */
export class PairQueue {
  private counts = new Float64Array(1024);
  private lefts = new Int32Array(1024);
  private rights = new Int32Array(1024);
  private pids = new Int32Array(1024);
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(count: number, left: number, right: number, pid: number): void {
    if (this.size === this.counts.length) this.grow();
    const { counts, lefts, rights, pids } = this;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const cp = counts[p];
      // stop when the parent comes first
      if (cp > count || (cp === count && (lefts[p] < left || (lefts[p] === left && rights[p] <= right)))) break;
      counts[i] = cp;
      lefts[i] = lefts[p];
      rights[i] = rights[p];
      pids[i] = pids[p];
      i = p;
    }
    counts[i] = count;
    lefts[i] = left;
    rights[i] = right;
    pids[i] = pid;
  }

  /** Count of the top entry (only when non-empty). */
  topCount(): number {
    return this.counts[0];
  }

  /** Removes the top entry and returns its pair index. */
  pop(): number {
    const { counts, lefts, rights, pids } = this;
    const top = pids[0];
    const n = --this.size;
    const count = counts[n];
    const left = lefts[n];
    const right = rights[n];
    const pid = pids[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const d = c + 1;
      if (
        d < n &&
        (counts[d] > counts[c] ||
          (counts[d] === counts[c] && (lefts[d] < lefts[c] || (lefts[d] === lefts[c] && rights[d] < rights[c]))))
      )
        c = d;
      // stop when the moved entry comes before child c
      if (count > counts[c] || (count === counts[c] && (left < lefts[c] || (left === lefts[c] && right <= rights[c]))))
        break;
      counts[i] = counts[c];
      lefts[i] = lefts[c];
      rights[i] = rights[c];
      pids[i] = pids[c];
      i = c;
    }
    counts[i] = count;
    lefts[i] = left;
    rights[i] = right;
    pids[i] = pid;
    return top;
  }

  private grow(): void {
    const cap = this.counts.length * 2;
    const c = new Float64Array(cap);
    c.set(this.counts);
    this.counts = c;
    const l = new Int32Array(cap);
    l.set(this.lefts);
    this.lefts = l;
    const r = new Int32Array(cap);
    r.set(this.rights);
    this.rights = r;
    const p = new Int32Array(cap);
    p.set(this.pids);
    this.pids = p;
  }
}
