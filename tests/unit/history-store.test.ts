import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryBroker } from '../../server/core/broker/memory-broker'
import type { Broker, BrokerMessage } from '../../server/core/broker/types'
import { HistoryStore } from '../../server/core/history/history-store'
import type { HistoryStoreOptions } from '../../server/core/history/history-store'
import { bytesPerSource } from '../../server/core/history/source-buffer'
import { HISTORY_BYTES_PER_SOURCE } from '../../server/core/history/read-path'
import { firstRetainedId, planHistory, readHistoryFromLog } from '../../server/core/metric-history'
import { encodeHistory } from '../../shared/history'

const quiet = { info() {}, warn() {}, error() {} }
const BUCKET_MS = 1000
const WINDOW_MS = 20_000

function options(rawSamples: number): HistoryStoreOptions {
  return { bucketMs: BUCKET_MS, windowMs: WINDOW_MS, buckets: 20 + 3 + 2, rawBuckets: 3, rawSamples, maxSources: 100, pageSize: 7 }
}

function metric(source: string, v: number, ms: number): string {
  return JSON.stringify({ source, cpu: v, memory: 100 - v, rps: v * 3, activeConnections: v % 7, errorRate: v / 10, timestamp: new Date(ms).toISOString() })
}

/**
 * An embedded broker that can lose its log the way a Redis restarted without
 * persistence does: a new, empty log whose ids keep going forward in time.
 */
function restartableBroker(clock: () => number, retention = { maxAgeMs: 15_000, maxEvents: 40 }) {
  let current = new MemoryBroker(retention, clock)
  const broker: Pick<Broker, 'state' | 'range' | 'lastId'> = {
    state: () => current.state(),
    range: (from, to, limit) => current.range(from, to, limit),
    lastId: () => current.lastId(),
  }
  return {
    broker,
    publish: async (channel: BrokerMessage['channel'], json: string): Promise<BrokerMessage> => ({ id: await current.publish(channel, json), channel, json }),
    lose: () => {
      current = new MemoryBroker(retention, clock)
    },
  }
}

type Step
  = | { kind: 'metric', source: number, value: number, advance: number }
    | { kind: 'alert', advance: number }
    | { kind: 'lose' }
    | { kind: 'ask', back: number, sinceOffset: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('metric' as const), source: fc.nat(3), value: fc.integer({ min: -5, max: 100 }), advance: fc.oneof(fc.constant(0), fc.nat(700), fc.nat(4000)) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('alert' as const), advance: fc.nat(300) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'lose' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ask' as const), back: fc.nat(4), sinceOffset: fc.integer({ min: -3000, max: 8000 }) }) },
)

describe('HistoryStore', () => {
  it('answers exactly what the log answers for the same window, over publishes, trims and lost logs', async () => {
    let answeredFromMemory = 0
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 120 }), fc.oneof(fc.integer({ min: 2, max: 12 }), fc.constant(128)), async (steps, rawSamples) => {
      let clock = 1_000_000
      const log = restartableBroker(() => clock)
      const store = new HistoryStore(log.broker, options(rawSamples), quiet, () => clock)
      // Something is in the log before the store loads, and more arrives while it loads.
      store.receive(await log.publish('metrics', metric('s0', 1, clock)))
      const loading = store.load()
      store.receive(await log.publish('metrics', metric('s1', 2, clock)))
      await loading
      const recentIds: string[] = []
      for (const s of steps) {
        if (s.kind === 'lose') {
          log.lose()
          continue
        }
        if (s.kind === 'ask') {
          const until = recentIds.at(-1 - Math.min(s.back, recentIds.length - 1)) ?? await log.broker.lastId()
          const since = clock - WINDOW_MS + s.sinceOffset
          const plan = planHistory(since, until, await firstRetainedId(log.broker, until), BUCKET_MS)
          const fromMemory = store.answer(plan)
          if (fromMemory) {
            answeredFromMemory++
            expect(encodeHistory(fromMemory)).toEqual(encodeHistory(await readHistoryFromLog(log.broker, plan, undefined, 5)))
            // A chart focused on a few sources asks for them alone.
            const only = new Set(['s0', 's2', 'absent'])
            expect(encodeHistory(store.answer(plan, only)!)).toEqual(encodeHistory(await readHistoryFromLog(log.broker, plan, only, 5)))
          }
          continue
        }
        clock += s.advance
        const message = s.kind === 'metric'
          ? await log.publish('metrics', metric(`s${s.source}`, s.value, clock - s.source * 10))
          : await log.publish('alerts', JSON.stringify({ level: 'info', message: 'x', source: 'a', timestamp: new Date(clock).toISOString() }))
        store.receive(message)
        recentIds.push(message.id!)
      }
      // A sample whose id went back (a lost log) starts a reload in the
      // background, and memory declines until it is done: wait for it.
      expect(await store.whenLoaded(5000)).toBe(true)
      // The newest id over the whole window is what the page asks for: memory
      // takes it whenever its raw ring cannot have overflowed (fewer samples than it holds).
      const until = await log.broker.lastId()
      const plan = planHistory(clock - WINDOW_MS + BUCKET_MS, until, await firstRetainedId(log.broker, until), BUCKET_MS)
      const fromMemory = store.answer(plan)
      if (rawSamples === 128) expect(fromMemory).not.toBeNull()
      if (fromMemory) expect(encodeHistory(fromMemory)).toEqual(encodeHistory(await readHistoryFromLog(log.broker, plan, undefined, 3)))
    }), {
      numRuns: 300,
      examples: [
        // The log lost, one sample at the same millisecond (a reload), the log lost again: the reload was still running at the final answer.
        [[{ kind: 'lose' }, { kind: 'metric', source: 0, value: 0, advance: 0 }, { kind: 'lose' }], 128],
      ],
    })
    expect(answeredFromMemory).toBeGreaterThan(100)
  })

  it('keeps the newest bucket exact and earlier ones as their extremes in arrival order', async () => {
    let clock = 10_000_000
    const log = restartableBroker(() => clock, { maxAgeMs: 3_600_000, maxEvents: 10_000 })
    const store = new HistoryStore(log.broker, options(16), quiet, () => clock)
    await store.load()
    // The bucket of the oldest retained event is left out (it may have been trimmed in part).
    store.receive(await log.publish('metrics', metric('a', 50, clock)))
    for (const [offset, cpu] of [[0, 5], [200, 90], [400, 1], [600, 40], [1000, 7], [1500, 8]] as const) {
      clock = 10_001_000 + offset
      store.receive(await log.publish('metrics', metric('a', cpu, clock)))
    }
    const until = await log.broker.lastId()
    const answer = store.answer(planHistory(0, until, await firstRetainedId(log.broker, until), BUCKET_MS))!
    const a = answer.sources.get('a')!
    expect(a.buckets).toEqual([10_001])
    // 90 came before 1: the spike and the dip both survive, in their order.
    expect(a.extremes.cpu).toEqual([90, 1])
    expect(a.exact.t).toEqual([10_002_000, 10_002_500])
    expect(a.exact.values.cpu).toEqual([7, 8])
  })

  it('forgets a source silent for longer than the window, and costs a fixed size per source', async () => {
    let clock = 5_000_000
    const log = restartableBroker(() => clock, { maxAgeMs: 3_600_000, maxEvents: 10_000 })
    const store = new HistoryStore(log.broker, options(8), quiet, () => clock)
    await store.load()
    store.receive(await log.publish('metrics', metric('gone', 1, clock)))
    for (let i = 0; i < 40; i++) {
      clock += 1000
      store.receive(await log.publish('metrics', metric('stays', i, clock)))
    }
    expect(store.sourceCount).toBe(1)
    expect(bytesPerSource(options(8))).toBe(25 * 11 * 8 + 8 * 8 * 8)
    // The figure the README states for the defaults.
    expect(HISTORY_BYTES_PER_SOURCE).toBe(24_736)
  })

  it('declines when it cannot be exact: an id it has not seen, one it already folded, a window older than it holds', async () => {
    let clock = 7_000_000
    const log = restartableBroker(() => clock, { maxAgeMs: 3_600_000, maxEvents: 10_000 })
    const store = new HistoryStore(log.broker, options(4), quiet, () => clock)
    expect(store.answer(planHistory(0, '7000000-0', null, BUCKET_MS))).toBeNull()
    await store.load()
    const ids: string[] = []
    for (let i = 0; i < 60; i++) {
      clock += 500
      const message = await log.publish('metrics', metric('a', i, clock))
      store.receive(message)
      ids.push(message.id!)
    }
    const first = await firstRetainedId(log.broker, ids.at(-1)!)
    expect(store.answer(planHistory(clock - WINDOW_MS, `${clock + 1}-0`, first, BUCKET_MS))).toBeNull()
    expect(store.answer(planHistory(clock - WINDOW_MS, ids.at(-10)!, first, BUCKET_MS))).toBeNull()
    expect(store.answer(planHistory(clock - 3 * WINDOW_MS, ids.at(-1)!, first, BUCKET_MS))).toBeNull()
    expect(store.answer(planHistory(clock - WINDOW_MS, ids.at(-1)!, first, BUCKET_MS))).not.toBeNull()
  })
})
