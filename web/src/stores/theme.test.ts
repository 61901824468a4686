import { describe, expect, it } from 'vitest'
import { applyTheme, rememberedTheme } from './theme'

describe('theme', () => {
  it('sets data-theme for an explicit choice and remembers it', () => {
    applyTheme('dark')
    expect(document.documentElement.getAttribute('data-theme')).toBe('dark')
    expect(rememberedTheme()).toBe('dark')
  })

  it('removes the attribute for the system theme', () => {
    applyTheme('high-contrast')
    applyTheme('system')
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false)
    expect(rememberedTheme()).toBe('system')
  })

  it('ignores a tampered stored value', () => {
    localStorage.setItem('parley.theme', '"><script>')
    expect(rememberedTheme()).toBe('system')
  })
})
