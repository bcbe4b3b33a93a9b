/**
 * The first index of a sorted sequence of `length` elements whose element is not below the one sought, `length` when
 * all are (a binary search; Java: `Collections.binarySearch`'s insertion point). `isBelow(index)` tells whether the
 * element at `index` sorts before the one sought.
 *
 * @since 0.1.0
 * @category utils
 */
export const lowerBound = (length: number, isBelow: (index: number) => boolean): number => {
  let low = 0
  let high = length
  while (low < high) {
    const mid = (low + high) >> 1
    if (isBelow(mid)) low = mid + 1
    else high = mid
  }
  return low
}
