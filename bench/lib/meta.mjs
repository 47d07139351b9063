// The conditions of a run, printed with every result: the machine is shared,
// so load and CPU pressure are recorded at the start and the end.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'

function read(path) {
  try {
    return readFileSync(path, 'utf8')
  }
  catch {
    return ''
  }
}

function git(...args) {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  }
  catch {
    return ''
  }
}

/** `some avg60` of /proc/pressure/cpu: share of time some task waited for a CPU. */
export function cpuPressure() {
  return /some avg10=[\d.]+ avg60=([\d.]+)/.exec(read('/proc/pressure/cpu'))?.[1] ?? null
}

export function loadAverage() {
  return os.loadavg().map(n => n.toFixed(2))
}

export function machineMeta() {
  const dirty = git('status', '--porcelain', '--untracked-files=no') ? ' (uncommitted changes)' : ''
  return {
    date: new Date().toISOString(),
    commit: `${git('rev-parse', '--short', 'HEAD') || 'unknown'}${dirty}`,
    node: process.version,
    cpus: os.availableParallelism(),
    cpuModel: /model name\s*:\s*(.+)/.exec(read('/proc/cpuinfo'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    openFilesLimit: /Max open files\s+(\d+)/.exec(read('/proc/self/limits'))?.[1] ?? 'unknown',
    loadStart: loadAverage(),
    cpuPressureStart: cpuPressure(),
  }
}
