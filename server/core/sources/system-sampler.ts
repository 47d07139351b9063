import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { availableParallelism, freemem, totalmem } from 'node:os'
import { parseCpuMax, parseCpuStatUsage, parseInactiveFile, parseMeminfo, parseMemoryMax, parseProcStat } from './cgroup'

export interface SystemSample {
  cpu: number
  memory: number
  /** Where the numbers come from: a limited cgroup (container) or the host. */
  scope: { cpu: 'cgroup' | 'host', memory: 'cgroup' | 'host' }
}

export interface SamplerPaths {
  cgroupRoot: string
  procRoot: string
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  }
  catch {
    return null
  }
}

const round1 = (n: number) => Math.round(Math.min(100, Math.max(0, n)) * 10) / 10

/**
 * CPU and memory of the container when cgroup v2 limits it, of the host
 * otherwise. CPU is a rate, so each sample is measured against the previous
 * one; the first sample reports 0.
 */
export function createSystemSampler(paths: SamplerPaths = { cgroupRoot: '/sys/fs/cgroup', procRoot: '/proc' }, now: () => number = Date.now) {
  const cgroup = (file: string) => readOrNull(join(paths.cgroupRoot, file))
  let previousCgroup: { usage: number, at: number } | null = null
  let previousHost: { busy: number, total: number } | null = null

  function sampleCpu(): { value: number, scope: 'cgroup' | 'host' } {
    const cpuMax = cgroup('cpu.max')
    const limit = cpuMax === null ? null : parseCpuMax(cpuMax)
    const usage = limit === null ? null : parseCpuStatUsage(cgroup('cpu.stat') ?? '')
    if (limit !== null && usage !== null) {
      const at = now()
      const before = previousCgroup
      previousCgroup = { usage, at }
      if (!before || at <= before.at) return { value: 0, scope: 'cgroup' }
      const usedMs = (usage - before.usage) / 1000
      return { value: round1((usedMs / ((at - before.at) * Math.min(limit, availableParallelism()))) * 100), scope: 'cgroup' }
    }
    const stat = parseProcStat(readOrNull(join(paths.procRoot, 'stat')) ?? '')
    if (!stat) return { value: 0, scope: 'host' }
    const before = previousHost
    previousHost = stat
    if (!before || stat.total <= before.total) return { value: 0, scope: 'host' }
    return { value: round1(((stat.busy - before.busy) / (stat.total - before.total)) * 100), scope: 'host' }
  }

  function sampleMemory(): { value: number, scope: 'cgroup' | 'host' } {
    const max = parseMemoryMax(cgroup('memory.max') ?? '')
    const current = Number(cgroup('memory.current')?.trim())
    if (max !== null && Number.isFinite(current)) {
      const used = current - parseInactiveFile(cgroup('memory.stat') ?? '')
      return { value: round1((used / max) * 100), scope: 'cgroup' }
    }
    const info = parseMeminfo(readOrNull(join(paths.procRoot, 'meminfo')) ?? '')
    const total = info?.total ?? totalmem()
    const available = info?.available ?? freemem()
    return { value: round1(((total - available) / total) * 100), scope: 'host' }
  }

  return {
    sample(): SystemSample {
      const cpu = sampleCpu()
      const memory = sampleMemory()
      return { cpu: cpu.value, memory: memory.value, scope: { cpu: cpu.scope, memory: memory.scope } }
    },
  }
}
