import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

/**
 * No Docker engine runs here, so the container files are checked for what
 * breaks silently: values that must agree across Dockerfile, compose, and
 * nginx. (The nginx configuration itself runs in the production e2e tests.)
 */
const read = (path: string) => readFileSync(path, 'utf8')

interface Instruction { keyword: string, args: string }

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function dockerfile(): Instruction[] {
  const joined = read('Dockerfile').split('\n').filter(line => !line.trimStart().startsWith('#')).join('\n').replace(/\\\n/g, ' ')
  return joined.split('\n').filter(line => line.trim()).map((line) => {
    const [keyword, ...rest] = line.trim().split(/\s+/)
    return { keyword: keyword!.toUpperCase(), args: rest.join(' ') }
  })
}

function seconds(duration: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(duration)
  if (!match) throw new Error(`unexpected duration ${duration}`)
  return Number(match[1]) / ({ ms: 1000, s: 1, m: 1 / 60 } as Record<string, number>)[match[2]!]!
}

interface Service {
  image?: string
  build?: unknown
  command?: string[]
  environment?: Record<string, string>
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
  volumes?: string[]
  stop_grace_period?: string
  networks?: Record<string, { ipv4_address?: string }>
}

// merge: the file uses YAML merge keys (<<) for what both replicas share, as compose does.
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> }
const { redis, app1, app2, nginx } = compose.services
const instructions = dockerfile()
const runtimeStage = instructions.slice(instructions.findLastIndex(i => i.keyword === 'FROM'))
const runtimeEnv = Object.fromEntries(runtimeStage.filter(i => i.keyword === 'ENV').flatMap(i => [...i.args.matchAll(/(\w+)=(\S+)/g)].map(m => [m[1], m[2]])))

describe('Dockerfile', () => {
  it('builds in one stage and runs only .output in a second, as a non-root user', () => {
    expect(instructions.filter(i => i.keyword === 'FROM').length).toBeGreaterThanOrEqual(2)
    expect(runtimeStage.some(i => i.keyword === 'COPY' && /--from=build\s+\S*\.output\b/.test(i.args))).toBe(true)
    expect(runtimeStage.filter(i => i.keyword === 'COPY')).toHaveLength(1)
    const user = runtimeStage.findLast(i => i.keyword === 'USER')?.args
    expect(user).toBeDefined()
    expect(['root', '0']).not.toContain(user)
    expect(runtimeStage.find(i => i.keyword === 'CMD')?.args).toBe('["node", ".output/server/index.mjs"]')
    expect(runtimeStage.find(i => i.keyword === 'HEALTHCHECK')?.args).toContain('/health/live')
  })

  it('shuts down within Docker\'s default grace period and compose\'s', () => {
    const shutdownSeconds = Number(runtimeEnv.NITRO_SHUTDOWN_TIMEOUT) / 1000
    expect(shutdownSeconds).toBeGreaterThan(0)
    expect(shutdownSeconds).toBeLessThan(10)
    for (const app of [app1!, app2!]) expect(seconds(app.stop_grace_period!)).toBeGreaterThan(shutdownSeconds)
  })

  it('keeps dependencies, build output and secrets out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map(line => line.trim())
    for (const entry of ['node_modules', '.output', '.nuxt', '.git', '.env']) expect(ignored).toContain(entry)
  })
})

describe('docker-compose.yml', () => {
  it('runs two replicas with distinct ids on one Redis that keeps its log', () => {
    expect(app1!.environment!.NUXT_INSTANCE_ID).not.toBe(app2!.environment!.NUXT_INSTANCE_ID)
    expect(app1!.environment!.NUXT_REDIS_URL).toBe('redis://redis:6379')
    expect(app2!.environment!.NUXT_REDIS_URL).toBe(app1!.environment!.NUXT_REDIS_URL)
    expect(redis!.command!.join(' ')).toContain('--appendonly yes')
    // The publish function needs Redis 7.
    expect(Number(/redis:(\d+)/.exec(redis!.image!)?.[1])).toBeGreaterThanOrEqual(7)
  })

  it('starts each service only once what it needs is healthy', () => {
    for (const service of [redis!, app1!, app2!, nginx!]) expect(service.healthcheck?.test.length).toBeGreaterThan(0)
    for (const app of [app1!, app2!]) expect(app.depends_on).toEqual({ redis: { condition: 'service_healthy' } })
    expect(nginx!.depends_on).toEqual({ app1: { condition: 'service_healthy' }, app2: { condition: 'service_healthy' } })
  })

  it('makes the replicas trust nginx\'s forwarded headers, and only nginx\'s', () => {
    const address = nginx!.networks!.default!.ipv4_address
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    for (const app of [app1!, app2!]) expect(app.environment!.NUXT_TRUSTED_PROXIES).toBe(address)
  })

  it('gives nginx the shipped configuration, whose upstreams are the app services on the image\'s port', () => {
    const mount = nginx!.volumes!.find(volume => volume.startsWith('./deploy/nginx:'))!
    const target = mount.split(':')[1]!
    expect(nginx!.command).toContain(`${target}/nginx.conf`)
    const upstreams = [...read('deploy/nginx/upstreams.conf').matchAll(/^\s*server\s+(\S+)/gm)].map(m => m[1])
    expect(upstreams).toEqual([`app1:${runtimeEnv.PORT}`, `app2:${runtimeEnv.PORT}`])
  })
})

describe('docker-compose.sentinel.yml', () => {
  const sentinelCompose = parse(read('docker-compose.sentinel.yml'), { merge: true }) as { services: Record<string, Service> }
  const services = sentinelCompose.services
  const names = Object.keys(services)
  const sentinels = names.filter(name => name.startsWith('sentinel-'))
  const dataNodes = names.filter(name => name.startsWith('redis-'))
  const script = (name: string) => services[name]!.command!.join(' ')

  it('runs a primary and two replicas, all append-only, on Redis 7+', () => {
    expect(dataNodes).toHaveLength(3)
    for (const name of dataNodes) {
      expect(services[name]!.command!.join(' ')).toContain('--appendonly yes')
      expect(Number(/redis:(\d+)/.exec(services[name]!.image!)?.[1])).toBeGreaterThanOrEqual(7)
    }
    expect(dataNodes.filter(name => services[name]!.command!.join(' ').includes('--replicaof redis-primary 6379'))).toHaveLength(2)
  })

  it('runs three sentinels with quorum 2 watching the primary under the name the apps ask for', () => {
    expect(sentinels).toHaveLength(3)
    for (const name of sentinels) expect(script(name)).toContain('sentinel monitor mymaster redis-primary 6379 2')
    for (const app of ['app1', 'app2']) {
      const env = services[app]!.environment!
      expect(env.NUXT_REDIS_SENTINEL_NAME).toBe('mymaster')
      expect(env.NUXT_REDIS_SENTINELS!.split(',').sort()).toEqual(sentinels.map(name => `${name}:26379`).sort())
      expect(env.NUXT_REDIS_URL).toBeUndefined()
      expect(Number(env.NUXT_REDIS_WAIT_REPLICAS)).toBe(1)
    }
  })
})
