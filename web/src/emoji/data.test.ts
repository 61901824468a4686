import { describe, expect, it } from 'vitest'
import { emoji, replaceShortcodes, searchEmoji } from './data'

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

describe('replaceShortcodes', () => {
  it('turns known :codes: into their emoji, outside code only', () => {
    expect(replaceShortcodes('plan :smile: :no_such_code: ok')).toBe('plan 😄 :no_such_code: ok')
    expect(replaceShortcodes('say `:smile:` or\n```\n:smile:\n```\n:thumbsup:')).toBe(
      'say `:smile:` or\n```\n:smile:\n```\n👍',
    )
    expect(replaceShortcodes('12:30:45')).toBe('12:30:45')
  })
})
