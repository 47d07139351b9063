// @ts-check
import withNuxt from './.nuxt/eslint.config.mjs'

export default withNuxt({
  ignores: ['bench/out/**', 'tests/artifacts/**'],
})
