export type Theme = 'dark' | 'light'

/**
 * Dark by default; the choice is kept in a cookie so the server renders the
 * right theme and the page never flashes the other one. The value is shared
 * app state: app.vue puts it on `<html data-theme>`, charts redraw with it.
 */
export function useTheme() {
  const cookie = useCookie<Theme>('pulseboard-theme', { default: () => 'dark', maxAge: 60 * 60 * 24 * 365, sameSite: 'lax' })
  const theme = useState<Theme>('theme', () => (cookie.value === 'light' ? 'light' : 'dark'))
  function toggle() {
    theme.value = theme.value === 'dark' ? 'light' : 'dark'
    cookie.value = theme.value
    // useHead applies the attribute later; set it now so charts rebuilt on
    // the next tick read the new theme's colours.
    if (import.meta.client) document.documentElement.dataset.theme = theme.value
  }
  return { theme, toggle }
}
