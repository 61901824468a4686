// The painter's tools as a state machine: pointer events (mouse, pen or touch, in screen and image
// coordinates) go in, effects come out (a draft to show, an operation to commit, a pan or zoom, a
// colour to pick, a crop to select, a place for text). No canvas here, so it is tested on its own.
import type { Pos, Rect, Size } from './view'
import { rectBetween } from './view'

export type Tool =
  'pen' | 'eraser' | 'line' | 'arrow' | 'rect' | 'ellipse' | 'text' | 'fill' | 'picker' | 'pan' | 'crop'

export const TOOLS: readonly Tool[] = [
  'pen',
  'eraser',
  'line',
  'arrow',
  'rect',
  'ellipse',
  'text',
  'fill',
  'picker',
  'pan',
  'crop',
]

// One key per tool, as most painters have them.
export const TOOL_KEYS: Readonly<Record<string, Tool>> = {
  p: 'pen',
  e: 'eraser',
  l: 'line',
  a: 'arrow',
  r: 'rect',
  o: 'ellipse',
  t: 'text',
  f: 'fill',
  i: 'picker',
  h: 'pan',
  c: 'crop',
}

export interface Style {
  color: string // #rrggbb
  size: number // stroke width in image pixels
  opacity: number // 0..1
  filled: boolean // rectangles and ellipses
  fontSize: number // image pixels
}

export interface Point extends Pos {
  pressure: number // 0..1; 0.5 where the device gives none
}

export type ShapeKind = 'line' | 'arrow' | 'rect' | 'ellipse'
export type Op =
  | { kind: 'stroke'; points: Point[]; style: Style; pressure: boolean }
  | { kind: 'erase'; points: Point[]; style: Style }
  | { kind: ShapeKind; from: Point; to: Point; style: Style }
  | { kind: 'text'; at: Point; text: string; style: Style }
  | { kind: 'fill'; at: Point; style: Style }

export type Effect =
  | { type: 'draft'; op: Op | null } // the operation in progress (null: none any more)
  | { type: 'commit'; op: Op }
  | { type: 'pan'; dx: number; dy: number }
  | { type: 'zoom'; factor: number; center: Pos }
  | { type: 'pick'; at: Point }
  | { type: 'crop'; rect: Rect; done: boolean }
  | { type: 'text'; at: Point }

export interface PointerInput {
  id: number
  kind: 'mouse' | 'pen' | 'touch'
  button: number // 0 main, 1 middle
  screen: Pos
  image: Pos
  pressure: number
}

type Mode =
  | { kind: 'idle' }
  | { kind: 'draw'; id: number; op: Extract<Op, { kind: 'stroke' | 'erase' | ShapeKind }> }
  | { kind: 'pan'; id: number; last: Pos }
  | { kind: 'pinch' }
  | { kind: 'crop'; id: number; from: Pos }
  | { kind: 'wait' } // after a pinch, until every finger is up

// A shape smaller than this (in screen pixels) was a click, not a shape.
const MIN_DRAG = 3

export class ToolMachine {
  tool: Tool = 'pen'
  style: Style = { color: '#e03131', size: 6, opacity: 1, filled: false, fontSize: 32 }
  spaceHeld = false // Space + drag pans with any tool
  private mode: Mode = { kind: 'idle' }
  private readonly pointers = new Map<number, Pos>() // screen positions of the pointers down
  private downAt: Pos = { x: 0, y: 0 }

  constructor(public image: Size) {}

  get busy(): boolean {
    return this.mode.kind !== 'idle'
  }
  get modeName(): Mode['kind'] {
    return this.mode.kind
  }

  // Changing tools drops what was in progress.
  setTool(tool: Tool): Effect[] {
    const out = this.abandon()
    this.tool = tool
    return out
  }

  down(p: PointerInput): Effect[] {
    this.pointers.set(p.id, p.screen)
    // A second finger turns whatever the first one started into a pinch.
    if (this.pointers.size === 2 && p.kind === 'touch') {
      const out = this.abandon()
      this.mode = { kind: 'pinch' }
      return out
    }
    if (this.mode.kind !== 'idle') return []
    this.downAt = p.screen
    const at: Point = { ...p.image, pressure: pressureOf(p) }
    if (p.button === 1 || this.spaceHeld || this.tool === 'pan') {
      this.mode = { kind: 'pan', id: p.id, last: p.screen }
      return []
    }
    if (p.button !== 0) return []
    const style = { ...this.style }
    switch (this.tool) {
      case 'pen':
        this.mode = {
          kind: 'draw',
          id: p.id,
          op: { kind: 'stroke', points: [at], style, pressure: p.kind === 'pen' },
        }
        return [{ type: 'draft', op: this.mode.op }]
      case 'eraser':
        this.mode = { kind: 'draw', id: p.id, op: { kind: 'erase', points: [at], style } }
        return [{ type: 'draft', op: this.mode.op }]
      case 'line':
      case 'arrow':
      case 'rect':
      case 'ellipse':
        this.mode = { kind: 'draw', id: p.id, op: { kind: this.tool, from: at, to: at, style } }
        return []
      case 'crop':
        this.mode = { kind: 'crop', id: p.id, from: p.image }
        return []
      case 'fill':
        return [{ type: 'commit', op: { kind: 'fill', at, style } }]
      case 'picker':
        return [{ type: 'pick', at }]
      case 'text':
        return [{ type: 'text', at }]
    }
  }

  move(p: PointerInput, coalesced: PointerInput[] = [p]): Effect[] {
    const before = this.pointers.get(p.id)
    if (!before) return [] // a hover, not a drag
    this.pointers.set(p.id, p.screen)
    const m = this.mode
    if (m.kind === 'pinch') return this.pinch(p.id, before, p.screen)
    if (m.kind === 'pan' && m.id === p.id) {
      const out: Effect = { type: 'pan', dx: p.screen.x - m.last.x, dy: p.screen.y - m.last.y }
      m.last = p.screen
      return [out]
    }
    if (m.kind === 'crop' && m.id === p.id) {
      return [{ type: 'crop', rect: rectBetween(m.from, p.image, this.image), done: false }]
    }
    if (m.kind !== 'draw' || m.id !== p.id) return []
    const op = m.op
    if (op.kind === 'stroke' || op.kind === 'erase') {
      for (const c of coalesced) op.points.push({ ...c.image, pressure: pressureOf(c) })
    } else {
      op.to = { ...p.image, pressure: pressureOf(p) }
    }
    return [{ type: 'draft', op }]
  }

  up(p: PointerInput): Effect[] {
    if (!this.pointers.delete(p.id)) return []
    const m = this.mode
    if (m.kind === 'pinch' || m.kind === 'wait') {
      this.mode = this.pointers.size ? { kind: 'wait' } : { kind: 'idle' }
      return []
    }
    if (m.kind === 'pan' && m.id === p.id) {
      this.mode = { kind: 'idle' }
      return []
    }
    if (m.kind === 'crop' && m.id === p.id) {
      this.mode = { kind: 'idle' }
      return [{ type: 'crop', rect: rectBetween(m.from, p.image, this.image), done: true }]
    }
    if (m.kind !== 'draw' || m.id !== p.id) return []
    this.mode = { kind: 'idle' }
    const op = m.op
    if (op.kind !== 'stroke' && op.kind !== 'erase') {
      const dragged = Math.hypot(p.screen.x - this.downAt.x, p.screen.y - this.downAt.y)
      if (dragged < MIN_DRAG) return [{ type: 'draft', op: null }]
    }
    return [
      { type: 'draft', op: null },
      { type: 'commit', op },
    ]
  }

  // The browser took the pointer away (a scroll gesture, a lost capture): nothing is committed.
  cancel(p: PointerInput): Effect[] {
    if (!this.pointers.delete(p.id)) return []
    const out = this.abandon()
    if (this.pointers.size) this.mode = { kind: 'wait' }
    return out
  }

  private abandon(): Effect[] {
    const drafting = this.mode.kind === 'draw'
    this.mode = { kind: 'idle' }
    return drafting ? [{ type: 'draft', op: null }] : []
  }

  // Two fingers: the change of their spread zooms about their middle, the move of the middle pans.
  private pinch(id: number, before: Pos, now: Pos): Effect[] {
    const other = [...this.pointers.entries()].find(([k]) => k !== id)?.[1]
    if (!other) return []
    const spread0 = Math.hypot(before.x - other.x, before.y - other.y)
    const spread1 = Math.hypot(now.x - other.x, now.y - other.y)
    const mid0 = { x: (before.x + other.x) / 2, y: (before.y + other.y) / 2 }
    const mid1 = { x: (now.x + other.x) / 2, y: (now.y + other.y) / 2 }
    const out: Effect[] = [{ type: 'pan', dx: mid1.x - mid0.x, dy: mid1.y - mid0.y }]
    if (spread0 > 0 && spread1 > 0) out.push({ type: 'zoom', factor: spread1 / spread0, center: mid1 })
    return out
  }
}

// A pen's pressure as it comes; a mouse or finger draws evenly.
const pressureOf = (p: PointerInput): number => (p.kind === 'pen' && p.pressure > 0 ? p.pressure : 0.5)
