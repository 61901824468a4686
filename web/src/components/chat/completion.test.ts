import { describe, expect, it } from 'vitest'
import { applyCompletion, completionAt } from './completion'

describe('completionAt', () => {
  it('finds a mention being typed', () => {
    expect(completionAt('hi @bo', 6)).toEqual({ kind: 'mention', query: 'bo', start: 3 })
    expect(completionAt('@', 1)).toEqual({ kind: 'mention', query: '', start: 0 })
  })

  it('finds an emoji code of two characters or more', () => {
    expect(completionAt('nice :th', 8)).toEqual({ kind: 'emoji', query: 'th', start: 5 })
    expect(completionAt('nice :t', 7)).toBeNull()
  })

  it('ignores markers inside words and finished ones', () => {
    expect(completionAt('mail a@b', 8)).toBeNull()
    expect(completionAt('time 10:30', 10)).toBeNull()
    expect(completionAt('@bob ', 5)).toBeNull()
  })

  it('replaces the typed part and puts the caret after it', () => {
    const c = completionAt('hi @bo there', 6)
    expect(c).not.toBeNull()
    if (c)
      expect(applyCompletion('hi @bo there', 6, c, '@bobby')).toEqual({ text: 'hi @bobby  there', caret: 10 })
  })
})
