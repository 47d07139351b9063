import { getCookie } from 'h3'
import { useSecurity } from '../core/auth/security'
import { routePath } from '../core/auth/paths'
import { sendAnswer } from '../core/answers/send-answer'
import { useReadPath } from '../core/history/read-path'

/** The dashboard; the sign-in page is cheap and not worth sharing. */
const SHARED_PATH = '/'
/** Longer URLs are rendered for their request alone. */
const MAX_URL_LENGTH = 512

/**
 * Everybody opening the dashboard in the same second gets one render
 * (`SharedPages`): the page depends only on its URL, the theme cookie and
 * whether the viewer is signed in, so those make the key. Not in
 * development, where pages are rebuilt as files change.
 */
export default defineEventHandler(async (event) => {
  if (import.meta.dev || event.method !== 'GET' || routePath(event.path) !== SHARED_PATH) return
  if (event.path.length > MAX_URL_LENGTH) return
  const { sessions } = useSecurity()
  const signedIn = sessions ? await sessions.isSignedIn(event) : false
  const theme = getCookie(event, 'pulseboard-theme') === 'light' ? 'light' : 'dark'
  const key = `${signedIn ? 'signed-in' : 'anonymous'} ${theme} ${event.path}`
  const { pages } = useReadPath()
  const shared = pages.lookup(key)
  if (shared) {
    const page = await shared
    // The render it waited for could not be shared (not a 200): render this one too.
    if (page) return sendAnswer(event, page.answer, page.headers)
    return
  }
  const claim = pages.claim(key)
  event.context.pageClaim = claim
  // A request that ends without a rendered page (client gone, error) releases the waiters.
  event.node.res.on('close', () => claim.settle(null))
})
