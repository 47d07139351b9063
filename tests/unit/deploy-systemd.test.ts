import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The systemd units for running without Docker (docs/DEPLOY.md "Without
 * Docker"): accepted by systemd's own checker, consistent with the build's
 * entry point and shutdown timing, and shown in DEPLOY.md exactly as shipped.
 */
const UNITS = ['pulseboard@.service', 'pulseboard-nginx.service']
const read = (path: string) => readFileSync(path, 'utf8')
const hasAnalyzer = spawnSync('systemd-analyze', ['--version']).status === 0

function directive(unit: string, key: string): string[] {
  return [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map(m => m[1]!)
}

describe('systemd units', () => {
  it.skipIf(!hasAnalyzer)('pass `systemd-analyze verify` without a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulseboard-units-'))
    try {
      for (const unit of UNITS) copyFileSync(join('deploy/systemd', unit), join(dir, unit))
      for (const name of ['pulseboard@3001.service', 'pulseboard-nginx.service']) {
        const result = spawnSync('systemd-analyze', ['verify', join(dir, name)], { encoding: 'utf8' })
        expect(`${result.stdout}${result.stderr}`.split('\n').filter(line => line.includes(dir)), name).toEqual([])
        expect(result.status).toBe(0)
      }
    }
    finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('start the built server on loopback, one port per instance, and stop it within the grace period', () => {
    const unit = read('deploy/systemd/pulseboard@.service')
    expect(directive(unit, 'ExecStart')).toEqual(['/usr/bin/node /opt/pulseboard/.output/server/index.mjs'])
    const env = Object.fromEntries(directive(unit, 'Environment').join(' ').split(' ').map(pair => pair.split('=')))
    expect(env).toMatchObject({ HOST: '127.0.0.1', PORT: '%i', NODE_ENV: 'production' })
    expect(Number(env.NITRO_SHUTDOWN_TIMEOUT) / 1000).toBeLessThan(Number(directive(unit, 'TimeoutStopSec')[0]))
    expect(directive(unit, 'KillSignal')).toEqual(['SIGTERM'])
  })

  it('are shown in docs/DEPLOY.md exactly as shipped', () => {
    const deploy = read('docs/DEPLOY.md')
    expect(deploy).toContain(`\`\`\`ini\n${read('deploy/systemd/pulseboard@.service')}\`\`\``)
    expect(deploy).toContain('deploy/systemd/pulseboard-nginx.service')
    expect(deploy).toMatch(/server 127\.0\.0\.1:3001 .*;\n\s+server 127\.0\.0\.1:3002 /)
  })
})
