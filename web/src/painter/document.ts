// The picture being painted: a canvas at full size, the operations drawn on it, and its history.
// Each step keeps only the pixels it changed (a stroke's box, a fill's box) or, for crop, resize,
// rotate and flip, the whole canvas before it; undo swaps them back.
import { History } from './history'
import type { Op, Point, Style } from './machine'
import { drawOp, opBounds } from './draw'
import { chooseFormat, floodFill, hexToRgb, isOpaque, looksLikePhoto, rgbToHex } from './pixels'
import { padRect, type Rect, type Size } from './view'

type Step =
  { kind: 'pixels'; x: number; y: number; data: ImageData } | { kind: 'canvas'; canvas: HTMLCanvasElement }

export const BLANK: Size = { width: 1600, height: 1200 }
export const MAX_SIDE = 8192 // a bigger picture is scaled down to this on opening

function newCanvas(width: number, height: number): HTMLCanvasElement {
  const c = document.createElement('canvas')
  c.width = Math.max(1, Math.round(width))
  c.height = Math.max(1, Math.round(height))
  return c
}
const context = (c: HTMLCanvasElement): CanvasRenderingContext2D => {
  const ctx = c.getContext('2d')
  if (!ctx) throw new Error('no 2D canvas')
  return ctx
}

export class PaintDocument {
  readonly history = new History<Step>((s) =>
    s.kind === 'pixels' ? s.data.data.byteLength : s.canvas.width * s.canvas.height * 4,
  )

  private constructor(
    public canvas: HTMLCanvasElement,
    readonly sourceType: string,
  ) {}

  // A picture (decoded at its own size, up to MAX_SIDE) or a white page.
  static async open(source: Blob | null): Promise<PaintDocument> {
    if (!source) {
      const c = newCanvas(BLANK.width, BLANK.height)
      const ctx = context(c)
      ctx.fillStyle = '#ffffff'
      ctx.fillRect(0, 0, c.width, c.height)
      return new PaintDocument(c, 'image/png')
    }
    const bitmap = await createImageBitmap(source)
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height))
    const c = newCanvas(bitmap.width * scale, bitmap.height * scale)
    context(c).drawImage(bitmap, 0, 0, c.width, c.height)
    bitmap.close()
    return new PaintDocument(c, source.type)
  }

  get size(): Size {
    return { width: this.canvas.width, height: this.canvas.height }
  }
  get ctx(): CanvasRenderingContext2D {
    return context(this.canvas)
  }

  // Draws an operation, keeping the pixels under it for undo. False when it touched nothing.
  apply(op: Op): boolean {
    if (op.kind === 'fill') return this.fill(op.at, op.style)
    const ctx = this.ctx
    const measure = (line: string): number => {
      ctx.save()
      ctx.font = `${op.style.fontSize}px system-ui, sans-serif`
      const w = ctx.measureText(line).width
      ctx.restore()
      return w
    }
    const box = padRect(opBounds(op, measure), 2, this.size)
    if (!box) return false
    this.history.push({
      kind: 'pixels',
      x: box.x,
      y: box.y,
      data: ctx.getImageData(box.x, box.y, box.width, box.height),
    })
    drawOp(ctx, op)
    return true
  }

  private fill(at: Point, style: Style): boolean {
    const ctx = this.ctx
    const all = ctx.getImageData(0, 0, this.canvas.width, this.canvas.height)
    const before = new Uint8ClampedArray(all.data)
    const box = floodFill(all, at.x, at.y, hexToRgb(style.color), style.opacity)
    if (!box) return false
    // The step keeps the changed box as it was before the fill.
    const old = new ImageData(box.width, box.height)
    for (let row = 0; row < box.height; row++) {
      const from = ((box.y + row) * all.width + box.x) * 4
      old.data.set(before.subarray(from, from + box.width * 4), row * box.width * 4)
    }
    this.history.push({ kind: 'pixels', x: box.x, y: box.y, data: old })
    ctx.putImageData(all, 0, 0, box.x, box.y, box.width, box.height)
    return true
  }

  // The colour under an image point, as #rrggbb (transparent reads as white).
  pick(at: Point): string {
    const x = Math.min(this.canvas.width - 1, Math.max(0, Math.floor(at.x)))
    const y = Math.min(this.canvas.height - 1, Math.max(0, Math.floor(at.y)))
    const [r, g, b, a] = this.ctx.getImageData(x, y, 1, 1).data
    const over = (v: number) => Math.round((v * a!) / 255 + 255 * (1 - a! / 255))
    return rgbToHex(over(r!), over(g!), over(b!))
  }

  crop(r: Rect): boolean {
    if (r.width < 1 || r.height < 1) return false
    return this.replace(r.width, r.height, (ctx, old) => ctx.drawImage(old, -r.x, -r.y))
  }

  resize(width: number, height: number): boolean {
    if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) return false
    return this.replace(width, height, (ctx, old) => {
      ctx.imageSmoothingQuality = 'high'
      ctx.drawImage(old, 0, 0, width, height)
    })
  }

  // A quarter turn, clockwise (1) or anticlockwise (-1).
  rotate(turn: 1 | -1): boolean {
    const { width, height } = this.size
    return this.replace(height, width, (ctx, old) => {
      ctx.translate(turn === 1 ? height : 0, turn === 1 ? 0 : width)
      ctx.rotate((turn * Math.PI) / 2)
      ctx.drawImage(old, 0, 0)
    })
  }

  flip(axis: 'horizontal' | 'vertical'): boolean {
    const { width, height } = this.size
    return this.replace(width, height, (ctx, old) => {
      if (axis === 'horizontal') ctx.setTransform(-1, 0, 0, 1, width, 0)
      else ctx.setTransform(1, 0, 0, -1, 0, height)
      ctx.drawImage(old, 0, 0)
    })
  }

  private replace(
    width: number,
    height: number,
    draw: (ctx: CanvasRenderingContext2D, old: HTMLCanvasElement) => void,
  ): boolean {
    const next = newCanvas(width, height)
    draw(context(next), this.canvas)
    this.history.push({ kind: 'canvas', canvas: this.canvas })
    this.canvas = next
    return true
  }

  undo(): boolean {
    return this.history.undo((s) => this.swap(s))
  }
  redo(): boolean {
    return this.history.redo((s) => this.swap(s))
  }

  private swap(step: Step): Step {
    if (step.kind === 'canvas') {
      const was = this.canvas
      this.canvas = step.canvas
      return { kind: 'canvas', canvas: was }
    }
    const ctx = this.ctx
    const now = ctx.getImageData(step.x, step.y, step.data.width, step.data.height)
    ctx.putImageData(step.data, step.x, step.y)
    return { ...step, data: now }
  }

  // The picture as a file to send: PNG, or WebP (JPEG where the browser writes no WebP) for an
  // opaque photo when clearly smaller.
  async export(): Promise<Blob> {
    const encode = (type: string, quality?: number) =>
      new Promise<Blob | null>((ok) => this.canvas.toBlob(ok, type, quality))
    const png = await encode('image/png')
    if (!png) throw new Error('could not encode the picture')
    const { width, height } = this.size
    if (!looksLikePhoto(this.sourceType, png.size, width * height)) return png
    const opaque = isOpaque(this.ctx.getImageData(0, 0, width, height))
    if (!opaque) return png
    let lossy = await encode('image/webp', 0.9)
    if (!lossy || lossy.type !== 'image/webp') lossy = await encode('image/jpeg', 0.9)
    const candidates = lossy ? [png, lossy] : [png]
    return candidates[chooseFormat(candidates, true, opaque)]!
  }
}

// The file name to send: the source's with "-edited" and the format's extension, or a dated name.
export function exportName(source: string | undefined, type: string, now = new Date()): string {
  const ext = type === 'image/jpeg' ? 'jpg' : type.split('/')[1] || 'png'
  if (source) return `${source.replace(/\.[A-Za-z0-9]{1,5}$/, '')}-edited.${ext}`
  const pad = (n: number) => String(n).padStart(2, '0')
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`
  return `drawing-${stamp}.${ext}`
}
