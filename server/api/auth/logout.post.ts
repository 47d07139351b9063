import { useSecurity } from '../../core/auth/security'
import { isCrossSiteForm } from '../../core/auth/same-site'
import { clientError } from '../../core/http'

/** Clears the session cookie in this browser. */
export default defineEventHandler((event) => {
  const security = useSecurity()
  if (isCrossSiteForm(event, security.config.corsOrigins)) throw clientError(event, 403, 'cross-site sign-out refused')
  security.sessions?.end(event, security.isHttps(event))
  setResponseHeader(event, 'Cache-Control', 'no-store')
  return { signedIn: false }
})
