import { z } from 'zod'
import { useSecurity } from '../../core/auth/security'
import { secretEquals } from '../../core/bearer'
import { limitKey } from '../../core/limits/client-ip'
import { clientError, readLimitedBody } from '../../core/http'

const LoginBody = z.object({ token: z.string().min(1).max(1024) })

/** Exchanges the viewer token for a session cookie (the recommended way to watch). */
export default defineEventHandler(async (event) => {
  const security = useSecurity()
  const { config, sessions } = security
  if (!sessions) throw clientError(event, 404, 'authentication is off (NUXT_VIEWER_TOKEN is not set)')

  const key = limitKey(security.clientAddress(event))
  const budget = security.authFailures.check(key)
  if (!budget.ok) {
    setResponseHeader(event, 'Retry-After', budget.retryAfterSeconds)
    throw clientError(event, 429, 'too many failed sign-in attempts')
  }
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
  if (!secretEquals(parsed.data.token, config.viewerToken)) {
    security.authFailures.take(key)
    throw clientError(event, 401, 'wrong viewer token')
  }
  await sessions.start(event, security.isHttps(event))
  setResponseHeader(event, 'Cache-Control', 'no-store')
  return { signedIn: true }
})
