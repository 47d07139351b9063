import { computed } from 'vue'

export type Theme = 'dark' | 'light'

/**
 * Dark by default; the choice is kept in a cookie so the server renders the
 * right theme and the page never flashes the other one.
 */
export function useTheme() {
  const cookie = useCookie<Theme>('pulseboard-theme', { default: () => 'dark', maxAge: 60 * 60 * 24 * 365, sameSite: 'lax' })
  const theme = computed<Theme>(() => (cookie.value === 'light' ? 'light' : 'dark'))
  useHead({ htmlAttrs: { 'data-theme': theme } })
  function toggle() {
    cookie.value = theme.value === 'dark' ? 'light' : 'dark'
  }
  return { theme, toggle }
}
