import { z } from 'zod'
import { useSecurity } from '../../core/auth/security'
import { judgeSecret } from '../../core/auth/secret-guard'
import { secretEquals } from '../../core/bearer'
import { clientError, readLimitedBody } from '../../core/http'

const LoginBody = z.object({ token: z.string().min(1).max(1024) })

/**
 * Exchanges the viewer token for a session cookie (the recommended way to
 * watch). Cross-site and non-JSON requests were refused before this
 * (server/middleware/02.csrf.ts). The body is read first and the failure
 * budget checked and charged after it with no `await` in between, so
 * parallel guesses whose bodies arrive late cannot all pass one check.
 */
export default defineEventHandler(async (event) => {
  const security = useSecurity()
  const { config, sessions } = security
  if (!sessions) throw clientError(event, 404, 'authentication is off (NUXT_VIEWER_TOKEN is not set)')

  let body: unknown
  try {
    body = JSON.parse(await readLimitedBody(event, 4096))
  }
  catch (error) {
    if ((error as { statusCode?: number }).statusCode) throw error
    throw clientError(event, 400, 'body is not valid JSON')
  }
  const parsed = LoginBody.safeParse(body)
  if (!parsed.success) throw clientError(event, 400, 'expected {"token": "<viewer token>"}')

  const verdict = judgeSecret(event, 'login', () => secretEquals(parsed.data.token, config.viewerToken))
  if (!verdict.ok) {
    if (verdict.status === 401) throw clientError(event, 401, 'wrong viewer token')
    setResponseHeader(event, 'Retry-After', verdict.retryAfterSeconds ?? 60)
    throw clientError(event, 429, 'too many failed sign-in attempts')
  }
  await sessions.start(event, security.isHttps(event))
  setResponseHeader(event, 'Cache-Control', 'no-store')
  return { signedIn: true }
})
