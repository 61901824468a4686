import { describe, expect, it } from 'vitest'
import { ToolMachine, type Effect, type PointerInput } from './machine'

const image = { width: 400, height: 300 }
// A pointer at screen (x, y); the image is shown at 50 %, offset (10, 20).
function at(x: number, y: number, extra: Partial<PointerInput> = {}): PointerInput {
  return {
    id: 1,
    kind: 'mouse',
    button: 0,
    screen: { x, y },
    image: { x: (x - 10) * 2, y: (y - 20) * 2 },
    pressure: 0.5,
    ...extra,
  }
}
const types = (effects: Effect[]) => effects.map((e) => e.type)
const commit = (effects: Effect[]) => effects.find((e) => e.type === 'commit')

describe('ToolMachine', () => {
  it('draws a pen stroke through every point, committed on release', () => {
    const m = new ToolMachine(image)
    expect(types(m.down(at(10, 20)))).toEqual(['draft'])
    m.move(at(20, 20), [at(15, 20), at(20, 20)])
    expect(m.busy).toBe(true)
    const done = m.up(at(20, 20))
    expect(types(done)).toEqual(['draft', 'commit'])
    const op = commit(done)
    expect(op?.type === 'commit' && op.op.kind === 'stroke' && op.op.points.map((p) => p.x)).toEqual([
      0, 10, 20,
    ])
    expect(m.busy).toBe(false)
  })

  it('takes a pen’s pressure and gives a mouse an even line', () => {
    const m = new ToolMachine(image)
    m.down(at(10, 20, { kind: 'pen', pressure: 0.9 }))
    const e = commit(m.up(at(10, 20, { kind: 'pen', pressure: 0.9 })))
    expect(
      e?.type === 'commit' && e.op.kind === 'stroke' && [e.op.pressure, e.op.points[0]?.pressure],
    ).toEqual([true, 0.9])
    m.down(at(10, 20, { pressure: 1 }))
    const f = commit(m.up(at(10, 20)))
    expect(
      f?.type === 'commit' && f.op.kind === 'stroke' && [f.op.pressure, f.op.points[0]?.pressure],
    ).toEqual([false, 0.5])
  })

  it('makes a rectangle from press to release with the style of the press', () => {
    const m = new ToolMachine(image)
    m.setTool('rect')
    m.style.filled = true
    expect(m.down(at(10, 20))).toEqual([])
    m.style.color = '#000000' // changed mid-drag: the shape keeps the colour it started with
    expect(types(m.move(at(60, 70)))).toEqual(['draft'])
    const e = commit(m.up(at(60, 70)))
    expect(e).toMatchObject({
      op: {
        kind: 'rect',
        from: { x: 0, y: 0 },
        to: { x: 100, y: 100 },
        style: { filled: true, color: '#e03131' },
      },
    })
  })

  it('drops a shape that was only a click', () => {
    const m = new ToolMachine(image)
    m.setTool('arrow')
    m.down(at(50, 50))
    m.move(at(51, 50))
    expect(types(m.up(at(51, 50)))).toEqual(['draft'])
  })

  it('pans with the pan tool, the middle button, or Space held', () => {
    const m = new ToolMachine(image)
    m.setTool('pan')
    m.down(at(10, 10))
    expect(m.move(at(15, 12))).toEqual([{ type: 'pan', dx: 5, dy: 2 }])
    m.up(at(15, 12))
    m.setTool('pen')
    m.down(at(10, 10, { button: 1 }))
    expect(m.move(at(11, 10, { button: 1 }))).toEqual([{ type: 'pan', dx: 1, dy: 0 }])
    m.up(at(11, 10))
    m.spaceHeld = true
    m.down(at(10, 10))
    expect(types(m.move(at(12, 10)))).toEqual(['pan'])
    expect(m.up(at(12, 10))).toEqual([])
  })

  it('turns a stroke into a pinch when a second finger comes, and commits nothing', () => {
    const m = new ToolMachine(image)
    const touch = (id: number, x: number, y: number) => at(x, y, { id, kind: 'touch' })
    expect(types(m.down(touch(1, 100, 100)))).toEqual(['draft'])
    m.move(touch(1, 105, 100))
    expect(types(m.down(touch(2, 200, 100)))).toEqual(['draft']) // the draft goes away
    const pinch = m.move(touch(2, 300, 100)) // the spread goes from 95 to 195
    expect(pinch).toEqual([
      { type: 'pan', dx: 50, dy: 0 },
      { type: 'zoom', factor: 195 / 95, center: { x: 202.5, y: 100 } },
    ])
    expect(m.up(touch(2, 300, 100))).toEqual([])
    expect(m.move(touch(1, 120, 100))).toEqual([]) // the finger left behind does not draw
    expect(m.up(touch(1, 120, 100))).toEqual([])
    expect(m.busy).toBe(false)
  })

  it('selects a crop inside the image, live and on release', () => {
    const m = new ToolMachine(image)
    m.setTool('crop')
    m.down(at(0, 0)) // outside the image, up and to the left
    expect(m.move(at(60, 45))).toEqual([
      { type: 'crop', rect: { x: 0, y: 0, width: 100, height: 50 }, done: false },
    ])
    expect(m.up(at(500, 500))).toEqual([
      { type: 'crop', rect: { x: 0, y: 0, width: 400, height: 300 }, done: true },
    ])
  })

  it('fills, picks and places text at a press', () => {
    const m = new ToolMachine(image)
    m.setTool('fill')
    expect(m.down(at(20, 30))).toMatchObject([{ type: 'commit', op: { kind: 'fill', at: { x: 20, y: 20 } } }])
    m.up(at(20, 30))
    m.setTool('picker')
    expect(m.down(at(20, 30))).toMatchObject([{ type: 'pick', at: { x: 20, y: 20 } }])
    m.up(at(20, 30))
    m.setTool('text')
    expect(m.down(at(20, 30))).toMatchObject([{ type: 'text', at: { x: 20, y: 20 } }])
  })

  it('drops the draft when the tool changes or the pointer is cancelled', () => {
    const m = new ToolMachine(image)
    m.down(at(10, 20))
    expect(m.setTool('line')).toEqual([{ type: 'draft', op: null }])
    expect(m.move(at(30, 30))).toEqual([]) // the old pointer draws nothing more
    m.up(at(30, 30))
    m.down(at(10, 20))
    m.move(at(40, 40))
    expect(m.cancel(at(40, 40))).toEqual([{ type: 'draft', op: null }])
    expect(m.up(at(40, 40))).toEqual([])
  })

  it('ignores moves of a pointer that is not down (hovering)', () => {
    const m = new ToolMachine(image)
    expect(m.move(at(10, 10))).toEqual([])
  })
})
