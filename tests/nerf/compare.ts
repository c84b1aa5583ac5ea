/** Error measures shared by the NeRF tests. */

/** max |a - b| / max(1, max |b|): absolute for outputs below 1, relative to the output's scale above. */
export function normError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}
