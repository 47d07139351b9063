import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseCpuMax, parseCpuStatUsage, parseInactiveFile, parseMeminfo, parseMemoryMax, parseProcStat } from '../../server/core/sources/cgroup'
import { createSystemSampler } from '../../server/core/sources/system-sampler'

/**
 * Fixture files in the formats the kernel writes (cgroup v2 under
 * /sys/fs/cgroup, /proc/stat, /proc/meminfo). `*-later` directories hold the
 * same files one second on, for the rate computations.
 */
const FIXTURES = resolve('tests/fixtures/cgroup')
const fixture = (path: string) => readFileSync(join(FIXTURES, path), 'utf8')

describe('cgroup v2 and /proc parsers on fixture files', () => {
  it('reads a CPU quota of half a core, and none when unlimited or malformed', () => {
    expect(parseCpuMax(fixture('limited/cpu.max'))).toBe(0.5)
    expect(parseCpuMax(fixture('unlimited/cpu.max'))).toBeNull()
    expect(parseCpuMax(fixture('malformed/cpu.max'))).toBeNull()
  })

  it('reads cumulative CPU usage in microseconds', () => {
    expect(parseCpuStatUsage(fixture('limited/cpu.stat'))).toBe(8_000_000)
    expect(parseCpuStatUsage(fixture('malformed/cpu.stat'))).toBeNull()
  })

  it('reads the memory limit and the reclaimable page cache', () => {
    expect(parseMemoryMax(fixture('limited/memory.max'))).toBe(512 * 1024 * 1024)
    expect(parseMemoryMax(fixture('unlimited/memory.max'))).toBeNull()
    expect(parseMemoryMax(fixture('malformed/memory.max'))).toBeNull()
    expect(parseInactiveFile(fixture('limited/memory.stat'))).toBe(44 * 1024 * 1024)
    expect(parseInactiveFile('anon 1\n')).toBe(0)
  })

  it('reads host CPU jiffies and memory from /proc', () => {
    // busy = user+nice+system+irq+softirq+steal, idle = idle+iowait
    expect(parseProcStat(fixture('proc/stat'))).toEqual({ busy: 14_000, total: 95_000 })
    expect(parseProcStat('intr 1 2 3\n')).toBeNull()
    expect(parseMeminfo(fixture('proc/meminfo'))).toEqual({ total: 8 * 1024 ** 3, available: 6 * 1024 ** 3 })
    expect(parseMeminfo('MemFree: 1 kB\n')).toBeNull()
  })
})

describe('system sampler with a fixture root', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  /** A writable copy of fixture directories, so a test can move time on by swapping files. */
  function root(cgroup: string | null): { cgroupRoot: string, procRoot: string, advance: (cgroupLater?: string) => void } {
    const dir = mkdtempSync(join(tmpdir(), 'pulseboard-cgroup-'))
    dirs.push(dir)
    const cgroupRoot = join(dir, 'sys-fs-cgroup')
    const procRoot = join(dir, 'proc')
    if (cgroup) cpSync(join(FIXTURES, cgroup), cgroupRoot, { recursive: true })
    cpSync(join(FIXTURES, 'proc'), procRoot, { recursive: true })
    return {
      cgroupRoot,
      procRoot,
      advance(cgroupLater) {
        if (cgroupLater) cpSync(join(FIXTURES, cgroupLater), cgroupRoot, { recursive: true })
        cpSync(join(FIXTURES, 'proc-later'), procRoot, { recursive: true })
      },
    }
  }

  function clock() {
    let t = 1_700_000_000_000
    return {
      now: () => t,
      tick: (ms: number) => {
        t += ms
      },
    }
  }

  it('inside a limited container, reports CPU against the quota and memory against memory.max', () => {
    const paths = root('limited')
    const time = clock()
    const sampler = createSystemSampler(paths, time.now)
    // Memory: (300 MiB current - 44 MiB inactive file) / 512 MiB; CPU has no rate yet.
    expect(sampler.sample()).toEqual({ cpu: 0, memory: 50, scope: { cpu: 'cgroup', memory: 'cgroup' } })
    paths.advance('limited-later')
    time.tick(1000)
    // 250 ms of CPU in 1 s, with a quota of 0.5 CPU: half the quota.
    expect(sampler.sample()).toEqual({ cpu: 50, memory: 50, scope: { cpu: 'cgroup', memory: 'cgroup' } })
  })

  it('with "max" limits (a cgroup without limits), falls back to the host numbers', () => {
    const paths = root('unlimited')
    const time = clock()
    const sampler = createSystemSampler(paths, time.now)
    expect(sampler.sample()).toEqual({ cpu: 0, memory: 25, scope: { cpu: 'host', memory: 'host' } })
    paths.advance()
    time.tick(1000)
    // 800 busy jiffies out of 1500 across all CPUs.
    expect(sampler.sample()).toEqual({ cpu: 53.3, memory: 25, scope: { cpu: 'host', memory: 'host' } })
  })

  it('without a cgroup v2 mount (cgroup v1 host, macOS), uses the host', () => {
    const paths = root(null)
    const sampler = createSystemSampler(paths, clock().now)
    expect(sampler.sample().scope).toEqual({ cpu: 'host', memory: 'host' })
  })

  it('with malformed cgroup files, uses the host rather than inventing numbers', () => {
    const paths = root('malformed')
    const time = clock()
    const sampler = createSystemSampler(paths, time.now)
    sampler.sample()
    paths.advance()
    time.tick(1000)
    expect(sampler.sample()).toEqual({ cpu: 53.3, memory: 25, scope: { cpu: 'host', memory: 'host' } })
  })

  it('when the CPU counter goes backwards (a new cgroup), reports 0 instead of a negative rate', () => {
    const paths = root('limited')
    paths.advance('limited-later')
    const time = clock()
    const sampler = createSystemSampler(paths, time.now)
    sampler.sample()
    cpSync(join(FIXTURES, 'limited/cpu.stat'), join(paths.cgroupRoot, 'cpu.stat'))
    time.tick(1000)
    expect(sampler.sample().cpu).toBe(0)
  })
})
