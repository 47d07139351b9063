import { useSecurity } from '../../core/auth/security'

/** Whether authentication is on and this browser is signed in (read by the page guard). */
export default defineEventHandler(async (event) => {
  const { sessions } = useSecurity()
  setResponseHeader(event, 'Cache-Control', 'no-store')
  return { enabled: sessions !== null, signedIn: sessions ? await sessions.isSignedIn(event) : false }
})
