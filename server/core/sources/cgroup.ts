/**
 * Pure parsers for the Linux files the metrics task reads. Kept apart from
 * the file access so they are tested against fixture files.
 */

/** `cpu.max` (cgroup v2): "<quota> <period>" or "max <period>". Null when unlimited. */
export function parseCpuMax(text: string): number | null {
  const [quota, period] = text.trim().split(/\s+/)
  if (!quota || quota === 'max' || !period) return null
  const cpus = Number(quota) / Number(period)
  return Number.isFinite(cpus) && cpus > 0 ? cpus : null
}

/** `cpu.stat` (cgroup v2): cumulative CPU time of the group in microseconds. */
export function parseCpuStatUsage(text: string): number | null {
  const match = /^usage_usec\s+(\d+)/m.exec(text)
  return match ? Number(match[1]) : null
}

/** `memory.max` (cgroup v2): bytes, or null for "max". */
export function parseMemoryMax(text: string): number | null {
  const value = text.trim()
  if (value === 'max' || value === '') return null
  const bytes = Number(value)
  return Number.isFinite(bytes) && bytes > 0 ? bytes : null
}

/** `memory.stat` (cgroup v2): page cache that the kernel reclaims first, as `docker stats` discounts it. */
export function parseInactiveFile(text: string): number {
  const match = /^inactive_file\s+(\d+)/m.exec(text)
  return match ? Number(match[1]) : 0
}

/** First line of `/proc/stat`: busy and total jiffies across all CPUs. */
export function parseProcStat(text: string): { busy: number, total: number } | null {
  const line = text.split('\n').find(l => l.startsWith('cpu '))
  if (!line) return null
  const fields = line.trim().split(/\s+/).slice(1).map(Number)
  if (fields.length < 4 || fields.some(n => !Number.isFinite(n))) return null
  // user nice system idle iowait irq softirq steal (guest time is already in user/nice)
  const total = fields.slice(0, 8).reduce((sum, n) => sum + n, 0)
  const idle = fields[3]! + (fields[4] ?? 0)
  return { busy: total - idle, total }
}

/** `/proc/meminfo`: MemTotal and MemAvailable in bytes. */
export function parseMeminfo(text: string): { total: number, available: number } | null {
  const read = (key: string) => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)
    return match ? Number(match[1]) * 1024 : null
  }
  const total = read('MemTotal')
  const available = read('MemAvailable')
  return total && available !== null ? { total, available } : null
}
