import { describe, expect, it } from 'vitest'
import { createAlertEvaluator } from '../../server/core/sources/alert-rules'
import { RequestStats } from '../../server/core/sources/request-stats'
import { createAppLogForwarder } from '../../server/core/sources/app-log-forwarder'
import { readPulseConfig } from '../../server/core/config'
import type { LogInput } from '../../shared/events'

describe('alert rules', () => {
  const thresholds = { cpuPercent: 80, memoryPercent: 85, errorRatePercent: 1, clearRatio: 0.9, forSamples: 1 }
  const sample = (cpu: number, memory = 10, errorRate = 0, source = 'a', requests?: number) => ({ cpu, memory, errorRate, source, requests })

  it('fires once when a condition starts and once when it clears, with hysteresis', () => {
    const evaluate = createAlertEvaluator(thresholds)
    expect(evaluate(sample(50))).toEqual([])
    const fired = evaluate(sample(85))
    expect(fired).toEqual([{ level: 'critical', source: 'a', message: 'CPU at 85% is above 80%' }])
    // Still high, or hovering just under the threshold: no repeats, no flapping.
    for (const cpu of [90, 95, 79, 81, 75]) expect(evaluate(sample(cpu))).toEqual([])
    expect(evaluate(sample(70))).toEqual([{ level: 'info', source: 'a', message: 'CPU back to 70% (below 80%)' }])
    expect(evaluate(sample(70))).toEqual([])
  })

  it('waits for the condition to last forSamples samples: a spike is not an incident', () => {
    const evaluate = createAlertEvaluator({ ...thresholds, forSamples: 3 })
    expect(evaluate(sample(95))).toEqual([])
    expect(evaluate(sample(95))).toEqual([])
    expect(evaluate(sample(50))).toEqual([])
    expect(evaluate(sample(95))).toEqual([])
    expect(evaluate(sample(95))).toEqual([])
    expect(evaluate(sample(95)).map(a => a.level)).toEqual(['critical'])
  })

  it('ignores the error rate of samples with too few requests', () => {
    const evaluate = createAlertEvaluator(thresholds)
    expect(evaluate(sample(10, 10, 33.33, 'a', 3))).toEqual([])
    expect(evaluate(sample(10, 10, 5, 'a', 200)).map(a => a.message)).toEqual(['Error rate at 5% is above 1%'])
    // A quiet second neither clears nor repeats it.
    expect(evaluate(sample(10, 10, 0, 'a', 2))).toEqual([])
    expect(evaluate(sample(10, 10, 0, 'a', 50)).map(a => a.level)).toEqual(['info'])
  })

  it('keeps state per source and per metric', () => {
    const evaluate = createAlertEvaluator(thresholds)
    expect(evaluate(sample(10, 90, 2, 'a')).map(a => a.message)).toEqual(['Memory at 90% is above 85%', 'Error rate at 2% is above 1%'])
    expect(evaluate(sample(10, 90, 2, 'b'))).toHaveLength(2)
    expect(evaluate(sample(10, 90, 0.5, 'a')).map(a => a.level)).toEqual(['info'])
  })
})

describe('request stats', () => {
  it('reports requests/s and the 5xx share since the last sample', () => {
    let now = 0
    const stats = new RequestStats(() => now)
    for (let i = 0; i < 8; i++) stats.record(200)
    stats.record(404)
    stats.record(503)
    now = 2000
    expect(stats.take()).toEqual({ rps: 5, errorRate: 10, requests: 10 })
    now = 3000
    expect(stats.take()).toEqual({ rps: 0, errorRate: 0, requests: 0 })
  })
})

describe('app log forwarding', () => {
  it('never forwards a line produced while forwarding, and rate-limits storms', () => {
    const published: LogInput[] = []
    let now = 0
    // A publisher that itself logs (as a failing broker would): the loop must not close.
    let forward: (line: LogInput) => void = () => {}
    forward = createAppLogForwarder({
      publish: async (line) => {
        published.push(line)
        forward({ level: 'error', message: 'publishing failed' })
      },
      perSecond: 3,
      now: () => now,
    })
    for (let i = 0; i < 10; i++) forward({ level: 'warn', message: `w${i}` })
    expect(published.map(l => l.message)).toEqual(['w0', 'w1', 'w2'])
    now = 1000
    forward({ level: 'warn', message: 'next' })
    expect(published.map(l => l.message).slice(3)).toEqual(['7 log lines not forwarded (rate limit)', 'next'])
  })
})

describe('app log forwarding of repeats and hostile text', () => {
  it('forwards a repeated line once, then its count, and never a raw control character', () => {
    const published: LogInput[] = []
    let now = 0
    const forward = createAppLogForwarder({ publish: async line => void published.push(line), now: () => now })
    for (let i = 0; i < 40; i++) {
      now += 100
      forward({ level: 'warn', message: 'bad entry 7-0\nforged' })
    }
    forward({ level: 'error', message: 'redis went away' })
    expect(published.map(l => l.message)).toEqual(['bad entry 7-0\\nforged', 'redis went away'])
    now += 60_000
    forward({ level: 'warn', message: 'bad entry 7-0\nforged' })
    expect(published.map(l => l.message)).toContain('bad entry 7-0\\nforged (repeated 39× in the last 60 s)')
  })
})

describe('configuration', () => {
  it('uses defaults and refuses nonsense with the variable name', () => {
    const config = readPulseConfig({})
    expect(config).toMatchObject({ sseHeartbeatMs: 15_000, sseMaxQueueBytes: 1_048_576, logMaxEvents: 100_000, redisPrefix: 'dashboard' })
    expect(readPulseConfig({ sseHeartbeatMs: '500' }).sseHeartbeatMs).toBe(500)
    expect(() => readPulseConfig({ sseMaxQueueBytes: 'lots' })).toThrow(/NUXT_SSE_MAX_QUEUE_BYTES/)
    expect(() => readPulseConfig({ alertClearRatio: 2 })).toThrow(/NUXT_ALERT_CLEAR_RATIO/)
  })
})
