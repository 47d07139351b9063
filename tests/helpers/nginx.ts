import { execFileSync, spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort } from './ports'
import { waitFor } from './wait'

export const SHIPPED_CONFIG_DIR = resolve('deploy/nginx')

/** Debian installs nginx in /usr/sbin, which is not on every user's PATH. */
export function nginxBinary(): string {
  const candidates = [process.env.NGINX_BIN, '/usr/sbin/nginx', '/usr/local/sbin/nginx'].filter(Boolean) as string[]
  const found = candidates.find(path => existsSync(path))
  if (found) return found
  if (spawnSync('nginx', ['-v']).status === 0) return 'nginx'
  throw new Error('nginx is not installed: apt-get install -y nginx-light (or set NGINX_BIN)')
}

export interface NginxPrefix {
  /** nginx's prefix: derived config, certificates, pid and temp files. */
  dir: string
  configFile: string
  httpPort: number
  httpsPort: number
  /** The generated self-signed certificate, to trust in the test client. */
  certificate: string
}

function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  const matches = text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))
  if (matches?.length !== 1) throw new Error(`the shipped nginx config changed shape: expected one ${what}, found ${matches?.length ?? 0}`)
  return text.replace(pattern, replacement)
}

/**
 * The shipped deploy/nginx configuration with only the deployment-specific
 * parts changed: listeners on free loopback ports, and the shipped upstream
 * servers (docker-compose names) replaced by the test's instances, keeping
 * their parameters. Certificates come from the shipped deploy/dev-cert.sh.
 */
export async function prepareNginx(upstreams: string[], { extraHttpConfig = '' } = {}): Promise<NginxPrefix> {
  const dir = mkdtempSync(join(tmpdir(), 'pulseboard-nginx-'))
  // nginx's workers run as `nobody` when the tests run as root; they must reach the temp dirs.
  chmodSync(dir, 0o755)
  const [httpPort, httpsPort] = [await freePort(), await freePort()]

  let main = readFileSync(join(SHIPPED_CONFIG_DIR, 'nginx.conf'), 'utf8')
  main = replaceOnce(main, /^(\s*listen\s+)8080;/m, `$1127.0.0.1:${httpPort};`, 'plain listener on 8080')
  main = replaceOnce(main, /^(\s*listen\s+)8443(\s+ssl\s+http2;)/m, `$1127.0.0.1:${httpsPort}$2`, 'TLS listener on 8443')
  if (extraHttpConfig) main = replaceOnce(main, /^http \{$/m, `http {\n${extraHttpConfig}`, 'http block')

  const shipped = readFileSync(join(SHIPPED_CONFIG_DIR, 'upstreams.conf'), 'utf8')
  const servers = [...shipped.matchAll(/^(\s*server\s+)\S+(.*;)$/gm)]
  if (servers.length !== upstreams.length) {
    throw new Error(`the shipped upstreams.conf lists ${servers.length} servers, the test has ${upstreams.length} instances`)
  }
  let index = 0
  const derived = shipped.replace(/^(\s*server\s+)\S+(.*;)$/gm, (_line, head: string, params: string) => `${head}${upstreams[index++]}${params}`)

  writeFileSync(join(dir, 'nginx.conf'), main)
  writeFileSync(join(dir, 'upstreams.conf'), derived)
  execFileSync('sh', [resolve('deploy/dev-cert.sh'), join(dir, 'certs')], { stdio: 'ignore' })
  return { dir, configFile: join(dir, 'nginx.conf'), httpPort, httpsPort, certificate: readFileSync(join(dir, 'certs/tls.crt'), 'utf8') }
}

/** `nginx -t` on a prepared prefix: exit status and what nginx said. */
export function testNginxConfig(prefix: NginxPrefix): { ok: boolean, output: string } {
  const result = spawnSync(nginxBinary(), ['-t', '-p', `${prefix.dir}/`, '-c', prefix.configFile], { encoding: 'utf8' })
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` }
}

export interface Nginx extends NginxPrefix {
  httpUrl: string
  httpsUrl: string
  output(): string
  stop(): Promise<void>
}

/**
 * Real nginx as a child process of the test (master in the foreground,
 * `daemon off`), in its own process group so a stuck shutdown can be ended
 * with its workers.
 */
export async function startNginx(upstreams: string[]): Promise<Nginx> {
  const prefix = await prepareNginx(upstreams)
  const check = testNginxConfig(prefix)
  if (!check.ok) throw new Error(`nginx -t refused the derived config:\n${check.output}`)
  const proc: ChildProcess = spawn(nginxBinary(), ['-p', `${prefix.dir}/`, '-c', prefix.configFile, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let output = ''
  proc.stdout!.on('data', (chunk: Buffer) => (output += chunk))
  proc.stderr!.on('data', (chunk: Buffer) => (output += chunk))
  const exited = new Promise<void>(resolveExit => proc.once('exit', () => resolveExit()))
  const httpUrl = `http://127.0.0.1:${prefix.httpPort}`
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`nginx exited at start:\n${output}`)
    return (await fetch(`${httpUrl}/health/live`)).ok
  }, { what: 'nginx proxying /health/live' })
  return {
    ...prefix,
    httpUrl,
    httpsUrl: `https://127.0.0.1:${prefix.httpsPort}`,
    output: () => output,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        // SIGTERM: fast shutdown (SIGQUIT would wait for every open stream).
        proc.kill('SIGTERM')
        const timer = setTimeout(() => {
          try {
            process.kill(-proc.pid!, 'SIGKILL')
          }
          catch {
            // the group is already gone
          }
        }, 5000)
        await exited
        clearTimeout(timer)
      }
      rmSync(prefix.dir, { recursive: true, force: true })
    },
  }
}
