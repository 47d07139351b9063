import { describe, expect, it } from 'vitest'
import { safeRedirect } from '../../utils/safe-redirect'

describe('where to go after signing in', () => {
  it('keeps paths on this site', () => {
    expect(safeRedirect('/')).toBe('/')
    expect(safeRedirect('/alerts?level=critical#top')).toBe('/alerts?level=critical#top')
  })
  it('refuses other origins, odd forms and the login page itself', () => {
    for (const raw of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '/\t/evil.example', '/login', '/login?redirect=/', '', undefined, ['/a']]) {
      expect(safeRedirect(raw)).toBe('/')
    }
  })
})
