import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/**
 * Builds the app once for every e2e file. PULSEBOARD_SKIP_BUILD=1 reuses an
 * existing `.output` while iterating on tests.
 */
export default function buildOnce() {
  if (process.env.PULSEBOARD_SKIP_BUILD === '1' && existsSync('.output/server/index.mjs')) return
  execFileSync('npx', ['nuxi', 'build'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } })
}
