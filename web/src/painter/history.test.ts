import { describe, expect, it } from 'vitest'
import { History } from './history'

// Entries are numbers swapped with a "document" number, the way pixel patches swap with a canvas.
function setup(maxEntries = 50, maxCost = 1000) {
  const doc = { value: 0 }
  const h = new History<number>((n) => n, maxEntries, maxCost)
  const swap = (entry: number): number => {
    const was = doc.value
    doc.value = entry
    return was
  }
  const change = (to: number) => {
    h.push(doc.value)
    doc.value = to
  }
  return { doc, h, swap, change }
}

describe('History', () => {
  it('undoes and redoes changes in order', () => {
    const { doc, h, swap, change } = setup()
    change(1)
    change(2)
    change(3)
    expect(h.undo(swap)).toBe(true)
    expect(doc.value).toBe(2)
    expect(h.undo(swap)).toBe(true)
    expect(doc.value).toBe(1)
    expect(h.redo(swap)).toBe(true)
    expect(doc.value).toBe(2)
    expect(h.redo(swap)).toBe(true)
    expect(doc.value).toBe(3)
    expect(h.redo(swap)).toBe(false)
    expect(doc.value).toBe(3)
  })

  it('forgets what was undone once a new change is made', () => {
    const { doc, h, swap, change } = setup()
    change(1)
    change(2)
    h.undo(swap)
    change(5)
    expect(h.canRedo).toBe(false)
    expect(h.redo(swap)).toBe(false)
    h.undo(swap)
    expect(doc.value).toBe(1)
  })

  it('keeps at most maxEntries steps, dropping the oldest', () => {
    const { doc, h, swap, change } = setup(3)
    for (let i = 1; i <= 5; i++) change(i)
    expect(h.size).toBe(3)
    while (h.undo(swap));
    expect(doc.value).toBe(2) // 0 → 1 and 1 → 2 were dropped
  })

  it('keeps at most maxCost bytes, but always the newest step', () => {
    const { h, change } = setup(50, 100)
    change(60) // the entry holds 0
    change(70) // holds 60
    change(80) // holds 70: 60 + 70 > 100, the oldest go
    expect(h.size).toBe(1)
    expect(h.bytes).toBe(70)
    change(500) // holds 80
    expect(h.size).toBe(1)
    expect(h.canUndo).toBe(true)
  })

  it('does nothing with nothing to undo', () => {
    const { doc, h, swap } = setup()
    expect(h.undo(swap)).toBe(false)
    expect(doc.value).toBe(0)
    expect(h.canUndo).toBe(false)
  })
})
