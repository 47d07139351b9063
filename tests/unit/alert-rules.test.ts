import { describe, expect, it } from 'vitest'
import type { RuleSample } from '../../server/core/sources/alert-rules'
import { createAlertEvaluator } from '../../server/core/sources/alert-rules'
import type { AlertRule } from '../../server/core/alerts/rules'
import { defaultRules } from '../../server/core/alerts/rules'
import { parseRules, RulesFileError } from '../../server/core/alerts/rules-file'

const defaults = { cpuPercent: 80, memoryPercent: 85, errorRatePercent: 1, clearRatio: 0.9, forSamples: 1 }
const bounds = { maxTracked: 1000, forgetAfterMs: 60_000 }
let clock = Date.parse('2026-12-01T00:00:00Z')
let seq = 0

function sample(values: Partial<RuleSample['values']>, extra: Partial<RuleSample> = {}): RuleSample {
  clock += 1000
  return {
    source: 'a',
    timestamp: new Date(clock).toISOString(),
    id: `${clock}-${seq++}`,
    values: { cpu: 10, memory: 10, rps: 100, activeConnections: 0, errorRate: 0, ...values },
    ...extra,
  }
}

const messages = (list: { alert: { message: string } }[]) => list.map(t => t.alert.message)

describe('alert rules: the NUXT_ALERT_* defaults', () => {
  it('fires once when a condition starts and once when it clears, with hysteresis', () => {
    const evaluate = createAlertEvaluator(defaultRules(defaults), bounds)
    expect(evaluate(sample({ cpu: 50 }))).toEqual([])
    const fired = evaluate(sample({ cpu: 85 }))
    expect(fired.map(t => t.alert)).toEqual([{ level: 'critical', source: 'a', timestamp: expect.any(String), message: 'CPU at 85% is above 80% on host a (reported by a) for 1 sample [cpu-high]' }])
    // Still high, or hovering just under the threshold: no repeats, no flapping.
    for (const cpu of [90, 95, 79, 81, 75]) expect(evaluate(sample({ cpu }))).toEqual([])
    expect(evaluate(sample({ cpu: 70 })).map(t => t.alert.level)).toEqual(['info'])
    expect(evaluate(sample({ cpu: 70 }))).toEqual([])
  })

  it('states the real clear level in the clear message', () => {
    const evaluate = createAlertEvaluator(defaultRules({ ...defaults, clearRatio: 0.4375 }), bounds)
    evaluate(sample({ cpu: 90 }))
    expect(evaluate(sample({ cpu: 40 }))).toEqual([])
    expect(messages(evaluate(sample({ cpu: 30 })))).toEqual(['CPU back to 30% on host a (reported by a): below the clear level 35% [cpu-high]'])
  })

  it('waits for the condition to last holdSamples samples: a spike is not an incident', () => {
    const evaluate = createAlertEvaluator(defaultRules({ ...defaults, forSamples: 3 }), bounds)
    for (const cpu of [95, 95, 50, 95, 95]) expect(evaluate(sample({ cpu }))).toEqual([])
    expect(evaluate(sample({ cpu: 95 })).map(t => t.alert.level)).toEqual(['critical'])
  })

  it('ignores the error rate of samples with too few requests', () => {
    const evaluate = createAlertEvaluator(defaultRules(defaults), bounds)
    expect(evaluate(sample({ errorRate: 33.33, rps: 3 }))).toEqual([])
    expect(messages(evaluate(sample({ errorRate: 5, rps: 200 })))).toEqual(['Error rate at 5% is above 1% on a for 1 sample [error-rate-high]'])
    // A quiet second neither clears nor repeats it.
    expect(evaluate(sample({ errorRate: 0, rps: 2 }))).toEqual([])
    expect(evaluate(sample({ errorRate: 0, rps: 50 })).map(t => t.alert.level)).toEqual(['info'])
  })

  it('keeps state per source and per rule, for every source', () => {
    const evaluate = createAlertEvaluator(defaultRules(defaults), bounds)
    expect(evaluate(sample({ memory: 90, errorRate: 2 }))).toHaveLength(2)
    expect(evaluate(sample({ memory: 90, errorRate: 2 }, { source: 'collector-7' }))).toHaveLength(2)
    expect(evaluate(sample({ memory: 90, errorRate: 0.5 })).map(t => t.rule.name)).toEqual(['error-rate-high'])
  })
})

describe('alert rules: hosts', () => {
  it('raises one host alert for two instances on one host, and says which host and instance', () => {
    const evaluate = createAlertEvaluator(defaultRules({ ...defaults, forSamples: 2 }), bounds)
    const transitions = []
    for (let i = 0; i < 4; i++) {
      transitions.push(...evaluate(sample({ cpu: 95 }, { source: 'web-1-100', host: 'web-1' })))
      transitions.push(...evaluate(sample({ cpu: 96 }, { source: 'web-1-200', host: 'web-1' })))
    }
    expect(messages(transitions)).toEqual(['CPU at 95% is above 80% on host web-1 (reported by web-1-100) for 2 samples [cpu-high]'])
    // Another host is its own subject.
    expect(evaluate(sample({ cpu: 95 }, { source: 'web-2-100', host: 'web-2' }))).toEqual([])
    expect(evaluate(sample({ cpu: 95 }, { source: 'web-2-100', host: 'web-2' }))).toHaveLength(1)
  })

  it('hands a host over to another instance once its reporter is silent', () => {
    const evaluate = createAlertEvaluator(defaultRules(defaults), { ...bounds, handoverMs: 5000 })
    expect(evaluate(sample({ cpu: 95 }, { source: 'web-1-100', host: 'web-1' }))).toHaveLength(1)
    // web-1-100 stops; web-1-200 is ignored for 5 s, then clears the alert it reports on.
    expect(evaluate(sample({ cpu: 10 }, { source: 'web-1-200', host: 'web-1' }))).toEqual([])
    clock += 5000
    expect(messages(evaluate(sample({ cpu: 10 }, { source: 'web-1-200', host: 'web-1' })))).toEqual(['CPU back to 10% on host web-1 (reported by web-1-200): below the clear level 72% [cpu-high]'])
  })
})

describe('alert rules: rule options', () => {
  const rule = (extra: Partial<AlertRule>): AlertRule => ({ name: 'r', metric: 'rps', comparison: '<', threshold: 5, holdSamples: 2, clear: 20, level: 'warning', scope: 'source', ...extra })

  it('matches sources by pattern', () => {
    const evaluate = createAlertEvaluator([rule({ source: 'edge-*.eu', holdSamples: 1 })], bounds)
    expect(evaluate(sample({ rps: 1 }, { source: 'edge-1.eu' }))).toHaveLength(1)
    expect(evaluate(sample({ rps: 1 }, { source: 'edge-1.us' }))).toEqual([])
    expect(evaluate(sample({ rps: 1 }, { source: 'edge-1Xeu' }))).toEqual([])
  })

  it('watches for too little with a clear level above the threshold', () => {
    const evaluate = createAlertEvaluator([rule({})], bounds)
    expect(evaluate(sample({ rps: 2 }))).toEqual([])
    expect(evaluate(sample({ rps: 2 })).map(t => t.alert)).toMatchObject([{ level: 'warning', message: 'Requests/s at 2 is below 5 on a for 2 samples [r]' }])
    expect(evaluate(sample({ rps: 15 }))).toEqual([])
    expect(messages(evaluate(sample({ rps: 25 })))).toEqual(['Requests/s back to 25 on a: above the clear level 20 [r]'])
  })

  it('derives the same idempotency key from the same sample, a different one from another', () => {
    const one = createAlertEvaluator([rule({ holdSamples: 1 })], bounds)
    const two = createAlertEvaluator([rule({ holdSamples: 1 })], bounds)
    const s = sample({ rps: 1 })
    const [a] = one(s)
    const [b] = two(s)
    expect(a!.idempotencyKey).toBe(b!.idempotencyKey)
    expect(a!.idempotencyKey).toMatch(/^[\x21-\x7e]{1,200}$/)
    // Raw PUBLISH samples have no id: source and timestamp identify them.
    const raw = { ...sample({ rps: 1 }), id: undefined }
    const [c] = createAlertEvaluator([rule({ holdSamples: 1 })], bounds)(raw)
    const [d] = createAlertEvaluator([rule({ holdSamples: 1 })], bounds)({ ...raw })
    expect(c!.idempotencyKey).toBe(d!.idempotencyKey)
    expect(c!.idempotencyKey).not.toBe(a!.idempotencyKey)
  })

  it('keeps a bounded number of sources and forgets silent ones', () => {
    let now = 0
    const evaluate = createAlertEvaluator([rule({})], { maxTracked: 100, forgetAfterMs: 10_000, now: () => now })
    for (let i = 0; i < 10_000; i++) evaluate(sample({ rps: 1 }, { source: `s${i}` }))
    expect(evaluate.tracked()).toBeLessThanOrEqual(200)
    now += 10_000
    evaluate(sample({ rps: 1 }, { source: 'last' }))
    expect(evaluate.tracked()).toBe(1)
  })
})

describe('rules file', () => {
  const parse = (text: string) => parseRules(text, 'rules.yaml', { holdSamples: 3, clearRatio: 0.9 })

  it('reads YAML and JSON with defaults for what a rule leaves out', () => {
    const yaml = parse(`webhook:\n  url: http://127.0.0.1:9/hook\n  format: slack\nrules:\n  - metric: cpu\n    threshold: 70\n    clear: 35\n    scope: host\n  - name: quiet\n    metric: rps\n    comparison: "<"\n    threshold: 1\n    source: "edge-*"\n    level: warning\n    holdSamples: 5\n`)
    expect(yaml.webhook).toEqual({ url: 'http://127.0.0.1:9/hook', format: 'slack' })
    expect(yaml.rules).toEqual([
      { name: 'cpu>70', metric: 'cpu', comparison: '>', threshold: 70, holdSamples: 3, clear: 35, level: 'critical', scope: 'host', source: undefined, minRps: undefined, webhook: undefined },
      expect.objectContaining({ name: 'quiet', comparison: '<', clear: 1 / 0.9, holdSamples: 5, source: 'edge-*', level: 'warning' }),
    ])
    const json = parse(JSON.stringify({ rules: [{ metric: 'memory', threshold: 90 }] }, null, 2))
    expect(json.rules[0]).toMatchObject({ name: 'memory>90', clear: 81 })
  })

  it('names the line of the mistake', () => {
    const text = 'rules:\n  - metric: cpu\n    threshold: 70\n  - metric: cpu\n    threshold: high\n'
    expect(() => parse(text)).toThrow(RulesFileError)
    expect(() => parse(text)).toThrow(/^rules\.yaml:5: rules\[1\]\.threshold: /)
    expect(() => parse('rules:\n  - metric: disk\n    threshold: 1\n')).toThrow(/^rules\.yaml:2: rules\[0\]\.metric: /)
    expect(() => parse('rules:\n  - metric: cpu\n    threshold: 1\n    treshold: 2\n')).toThrow(/^rules\.yaml:4: rules\[0\]: Unrecognized key: "treshold"/)
    expect(() => parse('rules:\n  - metric: cpu\n    threshold: 70\n    clear: 90\n')).toThrow(/^rules\.yaml:4: rules\[0\]\.clear: must be at most the threshold/)
    expect(() => parse('rules:\n  - metric: cpu\n  threshold: [\n')).toThrow(/^rules\.yaml:\d+: /)
    expect(() => parse('{"rules": [{"metric": "cpu", "threshold": 1}, {"metric": "cpu", "threshold": 1}]}')).toThrow(/used twice/)
  })
})
