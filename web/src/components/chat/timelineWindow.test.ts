import { describe, expect, it } from 'vitest'
import { around, atEdge, atEnd, grown, newer, older } from './timelineWindow'

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

  it('near an edge slides the window, or below an older run loads what follows', () => {
    const mid = { start: 100, end: 200, following: false }
    const edges = { nearTop: false, nearBottom: false, detached: false }
    expect(atEdge(mid, 1000, edges, o)).toBeNull()
    expect(atEdge(mid, 1000, { ...edges, nearTop: true }, o)).toEqual({
      start: 50,
      end: 200,
      following: false,
    })
    expect(atEdge(mid, 1000, { ...edges, nearBottom: true }, o)).toEqual({
      start: 100,
      end: 250,
      following: false,
    })
    // The window reaches the end of an older run: it does not follow (newer messages are not next).
    expect(
      atEdge({ start: 0, end: 26, following: false }, 30, { ...edges, nearBottom: true, detached: true }, o),
    ).toEqual({ start: 0, end: 30, following: false })
    const runEnd = { start: 0, end: 26, following: false }
    expect(atEdge(runEnd, 26, { ...edges, nearBottom: true, detached: true }, o)).toBe('load-newer')
    expect(atEdge(runEnd, 26, { ...edges, nearBottom: true }, o)).toBeNull()
  })

  it('a short window near both edges goes to the bottom once nothing older is in memory', () => {
    // A search result's short run: 26 messages, the next page loaded below but not shown yet.
    const both = { nearTop: true, nearBottom: true, detached: true }
    expect(atEdge({ start: 0, end: 26, following: false }, 51, both, o)).toEqual({
      start: 0,
      end: 51,
      following: false,
    })
    expect(atEdge({ start: 0, end: 26, following: false }, 26, both, o)).toBe('load-newer')
    // With older items in memory the top still comes first.
    expect(atEdge({ start: 10, end: 36, following: false }, 51, both, o)).toEqual({
      start: 0,
      end: 36,
      following: false,
    })
  })
})
