import { describe, expect, it } from 'vitest'
import { highlight, kMaxHighlightChars } from './highlight'

// JavaScript of exactly `length` characters.
function code(length: number): string {
  const line = 'const answer = compute("x", 42) // why\n'
  return line.repeat(Math.ceil(length / line.length)).slice(0, length)
}

describe('highlight', () => {
  it('highlights a block up to the budget', async () => {
    const nodes = await highlight(code(kMaxHighlightChars), 'js')
    expect(nodes).not.toBeNull()
    expect(JSON.stringify(nodes)).toContain('hljs-keyword')
  })

  it('leaves a block over the budget plain, as highlight.js runs on the main thread', async () => {
    expect(kMaxHighlightChars).toBeLessThanOrEqual(4_000)
    expect(await highlight(code(kMaxHighlightChars + 1), 'js')).toBeNull()
    expect(await highlight(code(4_001), 'js')).toBeNull()
  })
})
