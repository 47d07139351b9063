import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Redis } from 'ioredis'
import type { LogProbe } from '../../server/core/broker/log-identity'
import { judgeLog, parseProbe, PROBE_SCRIPT } from '../../server/core/broker/log-identity'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'

const probe = (over: Partial<LogProbe>): LogProbe => ({ runId: 'r', epoch: 'e1', lastId: '100-0', firstId: '10-0', cursorPresent: true, ...over })

describe('judging whether the log is still the same log', () => {
  it('keeps reading while the cursor\'s entry is there and the epoch unchanged', () => {
    expect(judgeLog({ epoch: 'e1', cursor: '50-0' }, probe({}))).toEqual({ kind: 'same' })
  })

  it('adopts the first epoch it sees (a log from before epochs, or a fresh start)', () => {
    expect(judgeLog({ epoch: null, cursor: '0-0' }, probe({ epoch: 'e1' }))).toEqual({ kind: 'same' })
  })

  it('a new epoch is a new log, even when its ids are past the cursor', () => {
    expect(judgeLog({ epoch: 'e1', cursor: '50-0' }, probe({ epoch: 'e2', lastId: '900-0' }))).toEqual({ kind: 'replaced' })
  })

  it('an empty Redis (no epoch, no stream) is a new log', () => {
    expect(judgeLog({ epoch: 'e1', cursor: '50-0' }, probe({ epoch: null, lastId: null, firstId: null, cursorPresent: false }))).toEqual({ kind: 'replaced' })
  })

  it('a log that ends before the cursor lost its newest entries', () => {
    expect(judgeLog({ epoch: 'e1', cursor: '150-0' }, probe({ lastId: '100-0', cursorPresent: false }))).toEqual({ kind: 'tail-lost' })
  })

  it('a missing cursor inside the retained range is lost too, even after new appends moved the end past it', () => {
    expect(judgeLog({ epoch: 'e1', cursor: '50-3' }, probe({ lastId: '900-0', cursorPresent: false }))).toEqual({ kind: 'tail-lost' })
  })

  it('a cursor older than the retention was trimmed, not lost', () => {
    expect(judgeLog({ epoch: 'e1', cursor: '5-0' }, probe({ cursorPresent: false }))).toEqual({ kind: 'same' })
  })
})

describe('the probe script on a real Redis', () => {
  let redis: RedisServer
  let client: Redis
  const run = async (cursor: string) => parseProbe(await client.call('EVAL', PROBE_SCRIPT, 2, 'p:log', 'p:epoch', cursor))
  beforeAll(async () => {
    redis = await startRedis()
    client = redis.client()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  it('reports no log before the first append', async () => {
    const result = await run('0-0')
    expect(result).toMatchObject({ epoch: null, lastId: null, firstId: null, cursorPresent: false })
    expect(result.runId).toMatch(/^[0-9a-f]{40}$/)
  })

  it('reports the epoch, the ends of the log and whether the cursor exists', async () => {
    await client.set('p:epoch', 'abc')
    const first = await client.xadd('p:log', '*', 'c', 'alerts', 'd', '{}') as string
    const last = await client.xadd('p:log', '*', 'c', 'alerts', 'd', '{}') as string
    expect(await run(first)).toMatchObject({ epoch: 'abc', firstId: first, lastId: last, cursorPresent: true })
    await client.xdel('p:log', last)
    expect(await run(last)).toMatchObject({ lastId: last, cursorPresent: false })
  })
})
