import { describe, expect, it } from 'vitest'
import { emoji, searchEmoji } from './data'

describe('emoji data', () => {
  it('has unique shortcodes', () => {
    expect(new Set(emoji.map((e) => e.name)).size).toBe(emoji.length)
  })

  it('finds by prefix first, then by substring', () => {
    const found = searchEmoji('heart', 20).map((e) => e.name)
    expect(found[0]).toBe('heart')
    expect(found).toContain('heart_eyes')
    expect(found).toContain('broken_heart')
    expect(found.indexOf('heart_eyes')).toBeLessThan(found.indexOf('broken_heart'))
  })

  it('is bounded', () => {
    expect(searchEmoji('', 5)).toHaveLength(5)
  })
})
