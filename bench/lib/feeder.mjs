// Publishes benchmark events into Redis the way collectors do, in the shape
// each server consumes:
// - Pulseboard: durably, `FCALL pulseboard_publish 1 bench:log <channel> <json>`
//   (appended to the log, announced on Pub/Sub, given a global id);
// - naive, floor and better-sse: `PUBLISH ref:<channel> <json>` (plain Pub/Sub);
// - socketio: through @socket.io/redis-emitter, `emitter.to(<channel>).emit(
//   <event name>, <event object>)` (msgpack on the adapter's channel), as a
//   collector outside the socket.io cluster sends.
// The JSON text is identical for the SSE servers, so the `data:` lines are too.
import { Emitter } from '@socket.io/redis-emitter'
import { monotonicUs } from './clock.mjs'
import { PULSEBOARD_PREFIX, REFERENCE_PREFIX } from './servers.mjs'
import { sleep } from './wait.mjs'

const PUBLISH_FUNCTION = 'pulseboard_publish'
const EVENT_NAMES = { alerts: 'alert', logs: 'log', metrics: 'metric-update', health: 'health' }

/**
 * An alert (a channel every server carries and Pulseboard never conflates)
 * whose message holds the marker the load clients look for:
 * `~b<seq>.<published µs>~`, padded to `bytes` of JSON. Key order and
 * timestamp format are Pulseboard's normalised form, so it forwards the text
 * unchanged.
 */
export function benchEvent(seq, bytes = 150) {
  const marker = `~b${seq}.${monotonicUs()}~`
  const timestamp = new Date().toISOString()
  // Valid for both alerts and logs: `info` is a level of each.
  const head = '{"level":"info","message":"'
  const tail = `","source":"bench","timestamp":"${timestamp}"}`
  const padding = Math.max(0, Math.min(7900, bytes) - head.length - marker.length - tail.length)
  return head + marker + 'x'.repeat(padding) + tail
}

export class Feeder {
  /**
   * @param {import('ioredis').Redis | import('ioredis').Cluster} redis
   * @param {string} kind the server kind (servers.mjs)
   * @param {string} [logKey] Pulseboard's log (`{bench}:log` on a Redis Cluster)
   */
  constructor(redis, kind, logKey = `${PULSEBOARD_PREFIX}:log`) {
    this.redis = redis
    this.kind = kind
    this.logKey = logKey
    this.seq = 0
  }

  #command(pipeline, emitter, channel, json) {
    if (this.kind.startsWith('pulseboard')) return pipeline.call('FCALL', PUBLISH_FUNCTION, 1, this.logKey, channel, json)
    // The emitter only calls `publish()` on the client it is given: a
    // pipeline sends a burst in one write, as for the other servers.
    if (emitter) return emitter.to(channel).emit(EVENT_NAMES[channel], JSON.parse(json))
    return pipeline.publish(`${REFERENCE_PREFIX}:${channel}`, json)
  }

  /** Sends `count` events in one pipeline; resolves with the µs time just before sending. */
  async burst(count, { bytes = 150, channel = 'alerts' } = {}) {
    const pipeline = this.redis.pipeline()
    const emitter = this.kind === 'socketio' ? new Emitter(pipeline) : null
    const startedUs = monotonicUs()
    for (let i = 0; i < count; i++) this.#command(pipeline, emitter, channel, benchEvent(++this.seq, bytes))
    const results = await pipeline.exec()
    const failed = results.find(([error]) => error)
    if (failed) throw failed[0]
    return startedUs
  }

  publish(options) {
    return this.burst(1, options)
  }

  /**
   * Publishes `perSecond` events per second until `stop()` (drift-corrected,
   * each event stamped when it is sent); `stop()` resolves with the count sent.
   */
  stream(perSecond, options = {}) {
    let running = true
    const interval = 1000 / perSecond
    const done = (async () => {
      const start = performance.now()
      let sent = 0
      for (let n = 0; running; n++) {
        const wait = start + n * interval - performance.now()
        if (wait > 0) await sleep(wait)
        if (!running) break
        await this.publish(options)
        sent++
      }
      return sent
    })()
    return {
      async stop() {
        running = false
        return done
      },
    }
  }
}
