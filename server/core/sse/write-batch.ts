import type { Writable } from 'node:stream'

const corked: Writable[] = []

function uncorkAll(): void {
  for (const stream of corked) stream.uncork()
  corked.length = 0
}

/**
 * Writes `chunk`, corking the stream on its first write of the current tick
 * and uncorking every corked stream once the tick's work is done. The broker
 * hands over events in batches (a log read), so a burst reaches each client
 * as one writev instead of one syscall per event and client. Every write of
 * a tick is still on its way before any I/O is polled: no added latency.
 */
export function writeBatched(stream: Writable, chunk: Buffer): boolean {
  if (!stream.writableCorked) {
    stream.cork()
    if (corked.push(stream) === 1) process.nextTick(uncorkAll)
  }
  return stream.write(chunk)
}
