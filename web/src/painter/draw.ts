// Drawing an operation on a 2D context, the same code for the draft on the view and the commit on
// the document (so what is shown is what is sent). Strokes are perfect-freehand outlines filled
// once, so a half-transparent stroke does not darken where it crosses itself.
import { getStroke } from 'perfect-freehand'
import type { Op, Point } from './machine'
import type { Rect } from './view'

type Ctx = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D

export const FONT = 'system-ui, sans-serif'
export const LINE_HEIGHT = 1.25

export function strokeOutline(points: Point[], size: number, pressure: boolean, last: boolean): Path2D {
  const outline = getStroke(
    points.map((p) => [p.x, p.y, p.pressure]),
    { size, thinning: pressure ? 0.6 : 0, smoothing: 0.5, streamline: 0.35, simulatePressure: false, last },
  )
  const path = new Path2D()
  outline.forEach(([x, y], i) => (i === 0 ? path.moveTo(x!, y!) : path.lineTo(x!, y!)))
  path.closePath()
  return path
}

export function drawOp(ctx: Ctx, op: Exclude<Op, { kind: 'fill' }>, last = true): void {
  ctx.save()
  ctx.globalAlpha = op.style.opacity
  ctx.fillStyle = op.style.color
  ctx.strokeStyle = op.style.color
  ctx.lineWidth = op.style.size
  ctx.lineCap = 'round'
  ctx.lineJoin = 'round'
  switch (op.kind) {
    case 'stroke':
      ctx.fill(strokeOutline(op.points, op.style.size, op.pressure, last))
      break
    case 'erase':
      ctx.globalAlpha = 1
      ctx.globalCompositeOperation = 'destination-out'
      polyline(ctx, op.points)
      break
    case 'line':
    case 'arrow': {
      ctx.beginPath()
      ctx.moveTo(op.from.x, op.from.y)
      ctx.lineTo(op.to.x, op.to.y)
      if (op.kind === 'arrow') {
        const head = Math.max(op.style.size * 3, 12)
        const angle = Math.atan2(op.to.y - op.from.y, op.to.x - op.from.x)
        for (const side of [-1, 1]) {
          const a = angle + Math.PI + (side * Math.PI) / 6
          ctx.moveTo(op.to.x, op.to.y)
          ctx.lineTo(op.to.x + head * Math.cos(a), op.to.y + head * Math.sin(a))
        }
      }
      ctx.stroke()
      break
    }
    case 'rect': {
      const r = normal(op.from, op.to)
      if (op.style.filled) ctx.fillRect(r.x, r.y, r.width, r.height)
      else ctx.strokeRect(r.x, r.y, r.width, r.height)
      break
    }
    case 'ellipse': {
      const r = normal(op.from, op.to)
      ctx.beginPath()
      ctx.ellipse(r.x + r.width / 2, r.y + r.height / 2, r.width / 2, r.height / 2, 0, 0, Math.PI * 2)
      if (op.style.filled) ctx.fill()
      else ctx.stroke()
      break
    }
    case 'text': {
      ctx.font = `${op.style.fontSize}px ${FONT}`
      ctx.textBaseline = 'top'
      op.text.split('\n').forEach((line, i) => {
        ctx.fillText(line, op.at.x, op.at.y + i * op.style.fontSize * LINE_HEIGHT)
      })
      break
    }
  }
  ctx.restore()
}

// Just the segment from `a` to `b` of an eraser's path: the view is erased as the pointer moves,
// without drawing the whole path again.
export function eraseSegment(ctx: Ctx, a: Point, b: Point, size: number): void {
  ctx.save()
  ctx.globalCompositeOperation = 'destination-out'
  ctx.lineWidth = size
  ctx.lineCap = 'round'
  polyline(ctx, [a, b])
  ctx.restore()
}

function polyline(ctx: Ctx, points: Point[]): void {
  const [first] = points
  if (!first) return
  ctx.beginPath()
  ctx.moveTo(first.x, first.y)
  // One point is a dot: a zero-length line with round caps.
  if (points.length === 1) ctx.lineTo(first.x + 0.01, first.y)
  for (const p of points.slice(1)) ctx.lineTo(p.x, p.y)
  ctx.stroke()
}

const normal = (a: Point, b: Point): Rect => ({
  x: Math.min(a.x, b.x),
  y: Math.min(a.y, b.y),
  width: Math.abs(b.x - a.x),
  height: Math.abs(b.y - a.y),
})

// What an operation can touch, in image pixels (before cutting to the image), so the undo step keeps
// only those pixels. `textWidth` measures a line of text at the op's size.
export function opBounds(op: Exclude<Op, { kind: 'fill' }>, textWidth: (line: string) => number): Rect {
  const s = op.style.size
  switch (op.kind) {
    case 'stroke':
    case 'erase':
      return grow(spanOf(op.points), s)
    case 'arrow':
      return grow(spanOf([op.from, op.to]), Math.max(s * 3, 12) + s)
    case 'line':
    case 'rect':
    case 'ellipse':
      return grow(spanOf([op.from, op.to]), s)
    case 'text': {
      const lines = op.text.split('\n')
      const width = Math.max(0, ...lines.map(textWidth))
      const height = lines.length * op.style.fontSize * LINE_HEIGHT
      return grow({ x: op.at.x, y: op.at.y, width, height }, op.style.fontSize / 2)
    }
  }
}

function spanOf(points: Point[]): Rect {
  const xs = points.map((p) => p.x)
  const ys = points.map((p) => p.y)
  const x = Math.min(...xs)
  const y = Math.min(...ys)
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y }
}

const grow = (r: Rect, by: number): Rect => ({
  x: r.x - by,
  y: r.y - by,
  width: r.width + 2 * by,
  height: r.height + 2 * by,
})
