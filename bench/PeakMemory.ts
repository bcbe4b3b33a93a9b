// The peak heap and RSS of this process while the benchmarks' client-only processes work, sampled every 20 ms.

/** Starts sampling; `stop` ends it and answers the peaks, in MiB. */
export const samplePeakMemory = () => {
  let heap = 0
  let rss = 0
  const sample = () => {
    const m = process.memoryUsage()
    heap = Math.max(heap, m.heapUsed)
    rss = Math.max(rss, m.rss)
  }
  const timer = setInterval(sample, 20)
  return {
    stop: () => {
      clearInterval(timer)
      sample()
      return { peakHeapMiB: heap / 2 ** 20, peakRssMiB: rss / 2 ** 20 }
    }
  }
}
