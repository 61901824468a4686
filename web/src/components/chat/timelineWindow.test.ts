import { describe, expect, it } from 'vitest'
import { around, atEnd, grown, newer, older } from './timelineWindow'

const o = { initial: 100, step: 50, max: 200 }

describe('timeline window', () => {
  it('starts at the end of a long room with a bounded number of items', () => {
    expect(atEnd(100_000, o)).toEqual({ start: 99_900, end: 100_000, following: true })
    expect(atEnd(30, o)).toEqual({ start: 0, end: 30, following: true })
  })

  it('follows new messages without growing past the bound', () => {
    let w = atEnd(100_000, o)
    for (let n = 100_001; n <= 100_500; n++) w = grown(w, n, 0, o)
    expect(w.end).toBe(100_500)
    expect(w.end - w.start).toBeLessThanOrEqual(200)
  })

  it('stays put while the reader is elsewhere, and shifts with history put in front', () => {
    const w = { start: 10, end: 60, following: false }
    expect(grown(w, 1000, 0, o)).toEqual(w)
    expect(grown(w, 1100, 100, o)).toEqual({ start: 110, end: 160, following: false })
  })

  it('slides toward older items and back, bounded both ways', () => {
    let w = atEnd(1000, o)
    w = older(w, o)!
    expect(w).toEqual({ start: 850, end: 1000, following: false })
    w = older(w, o)!
    expect(w).toEqual({ start: 800, end: 1000, following: false })
    w = older(w, o)!
    expect(w).toEqual({ start: 750, end: 950, following: false })
    w = newer(w, 1000, o)
    expect(w).toEqual({ start: 800, end: 1000, following: true })
    expect(older({ start: 0, end: 10, following: false }, o)).toBeNull()
  })

  it('centres on a message a jump lands on, within the items there are', () => {
    expect(around(500, 1000, o)).toEqual({ start: 450, end: 550, following: false })
    expect(around(3, 1000, o)).toEqual({ start: 0, end: 100, following: false })
    expect(around(990, 1000, o)).toEqual({ start: 900, end: 1000, following: true })
    expect(around(10, 30, o)).toEqual({ start: 0, end: 30, following: true })
  })
})
