import { describe, expect, it } from 'vitest'
import { counted } from './plural'

describe('counted', () => {
  it('puts the noun in the singular for one and in the plural otherwise', () => {
    expect(counted(1, 'member')).toBe('1 member')
    expect(counted(0, 'member')).toBe('0 members')
    expect(counted(2, 'reply', 'replies')).toBe('2 replies')
    expect(counted(1200, 'member')).toBe('1,200 members')
  })
})
