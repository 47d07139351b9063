import { describe, expect, it } from 'vitest'
import { RecentLog } from '../../server/core/recent-log'
import { EncodedMessage } from '../../server/core/sse/encoded-message'
import { parseFilter } from '../../server/core/sse/filter'

const alert = (seq: number, pad = 0) => new EncodedMessage({
  id: `1000-${seq}`,
  channel: 'alerts',
  json: JSON.stringify({ level: 'info', message: `n${seq}${'x'.repeat(pad)}`, source: 's', timestamp: '2026-01-01T00:00:00.000Z' }),
})
const ids = (entries: EncodedMessage[] | null) => entries?.map(e => e.message.id) ?? null

describe('recent messages kept for resumes', () => {
  it('answers what came after an id in the window, and null outside it', () => {
    const log = new RecentLog(3, 1 << 20)
    for (let n = 0; n < 5; n++) log.push(alert(n))
    expect(log.size).toBe(3)
    expect(ids(log.after('1000-2'))).toEqual(['1000-3', '1000-4'])
    expect(ids(log.after('1000-4'))).toEqual([])
    expect(log.after('1000-1')).toBeNull()
    expect(log.after('999-0')).toBeNull()
  })

  it('drops the oldest past its byte bound, keeps live-only messages out, and can be off', () => {
    const big = alert(0, 1000)
    const log = new RecentLog(100, 2 * big.approximateBytes)
    for (let n = 0; n < 4; n++) log.push(alert(n, 1000))
    expect(log.size).toBe(2)
    expect(ids(log.after('1000-2'))).toEqual(['1000-3'])
    log.push(new EncodedMessage({ channel: 'alerts', json: '{}' }))
    expect(log.size).toBe(2)
    const off = new RecentLog(0, 1 << 20)
    off.push(alert(1))
    expect(off.after('1000-1')).toBeNull()
  })

  it('encodes each projection of a metric once and shares it', () => {
    const metric = new EncodedMessage({ id: '5-0', channel: 'metrics', json: JSON.stringify({ source: 'a', cpu: 1, memory: 2, rps: 3, activeConnections: 4, errorRate: 0, timestamp: '2026-01-01T00:00:00.000Z' }) })
    const cpu = parseFilter(undefined, 'cpu')
    const all = parseFilter(undefined, undefined)
    if (!cpu.ok || !all.ok) throw new Error('filters')
    expect(metric.frameFor(cpu.filter)).toBe(metric.frameFor(cpu.filter))
    expect(metric.frameFor(cpu.filter).bytes.toString()).toBe('id: 5-0\nevent: metric-update\ndata: {"source":"a","cpu":1,"timestamp":"2026-01-01T00:00:00.000Z"}\n\n')
    expect(metric.frameFor(all.filter).bytes.toString()).toContain('"memory":2')
    expect(metric.conflationKey).toBe('a')
    expect(alert(1).conflationKey).toBeUndefined()
  })

  it('answers no resume the log would refuse: never past its event count, never older than its age limit', () => {
    let now = 1000
    const log = new RecentLog(100, 1 << 20, { maxEvents: 3, maxAgeMs: 500 }, () => now)
    for (let n = 0; n < 5; n++) log.push(alert(n))
    expect(log.size).toBe(3)
    expect(log.after('1000-1')).toBeNull()
    expect(ids(log.after('1000-2'))).toEqual(['1000-3', '1000-4'])
    now = 1501
    expect(log.after('1000-2')).toBeNull()
  })
})
