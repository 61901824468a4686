import { beforeEach, describe, expect, it } from 'vitest'
import { recentEmoji, usedEmoji } from './recent'

describe('recent emoji', () => {
  beforeEach(() => localStorage.clear())

  it('keeps the last used first, once each, at most 24', () => {
    expect(recentEmoji()).toEqual([])
    usedEmoji('👍')
    usedEmoji('🎉')
    usedEmoji('👍')
    expect(recentEmoji()).toEqual(['👍', '🎉'])
    for (let i = 0; i < 30; i++) usedEmoji(String.fromCodePoint(0x1f600 + i))
    expect(recentEmoji()).toHaveLength(24)
    expect(recentEmoji()[0]).toBe(String.fromCodePoint(0x1f600 + 29))
  })

  it('ignores what is not a list of short strings', () => {
    localStorage.setItem('parley.recentEmoji', '{"x":1}')
    expect(recentEmoji()).toEqual([])
    localStorage.setItem('parley.recentEmoji', JSON.stringify(['😀', 7, 'x'.repeat(40)]))
    expect(recentEmoji()).toEqual(['😀'])
    localStorage.setItem('parley.recentEmoji', 'not json')
    expect(recentEmoji()).toEqual([])
  })
})
