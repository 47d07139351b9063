// CLOCK_MONOTONIC is one clock for the whole machine, so a timestamp taken by
// the publisher and one taken by a load-client process can be subtracted.
// (Date.now() is only millisecond-precise; performance.now() has a
// per-process origin.)

/** Microseconds on the machine-wide monotonic clock. */
export function monotonicUs() {
  const [seconds, nanos] = process.hrtime()
  return seconds * 1e6 + Math.floor(nanos / 1e3)
}
