import { describe, expect, it } from 'vitest'
import { RequestStats } from '../../server/core/sources/request-stats'
import { createAppLogForwarder } from '../../server/core/sources/app-log-forwarder'
import { ConfigError, readPulseConfig } from '../../server/core/config'
import type { LogInput } from '../../shared/events'

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

  it('refuses a Redis URL ioredis would retry forever, and bad webhook settings, in one line each', () => {
    expect(readPulseConfig({ redisUrl: 'rediss://:secret@redis.internal:6380/2' }).redisUrl).toBe('rediss://:secret@redis.internal:6380/2')
    expect(() => readPulseConfig({ redisUrl: 'http://127.0.0.1:6379' })).toThrow(ConfigError)
    expect(() => readPulseConfig({ redisUrl: 'http://127.0.0.1:6379' })).toThrow('NUXT_REDIS_URL must be a redis:// or rediss:// URL, got a http:// URL')
    expect(() => readPulseConfig({ redisUrl: 'localhost:6379' })).toThrow(/NUXT_REDIS_URL/)
    expect(() => readPulseConfig({ sseHeartbeatMs: 'abc' })).toThrow('NUXT_SSE_HEARTBEAT_MS must be a positive number, got abc')
    expect(() => readPulseConfig({ alertWebhookUrl: 'ftp://x' })).toThrow(/NUXT_ALERT_WEBHOOK_URL/)
    expect(() => readPulseConfig({ alertWebhookFormat: 'teams' })).toThrow(/NUXT_ALERT_WEBHOOK_FORMAT must be one of json, slack/)
    expect(() => readPulseConfig({ alertWebhookMaxAttempts: '2.5' })).toThrow(/NUXT_ALERT_WEBHOOK_MAX_ATTEMPTS/)
    expect(readPulseConfig({})).toMatchObject({ alertRulesFile: '', alertWebhookUrl: '', alertWebhookFormat: 'json', alertWebhookTimeoutMs: 5000, alertWebhookMaxAttempts: 5, alertWebhookQueueSize: 1000 })
  })
})
