// Types of png.mjs, for the TypeScript that imports it (the e2e specs).
export function pngChunk(type: string, data: Buffer): Buffer
export function encodePng(
  width: number,
  height: number,
  raw: Buffer,
  options?: { level?: number; extraChunks?: Buffer[] },
): Buffer
export function pngOf(width: number, height: number, pixel: (x: number, y: number) => number[]): Buffer
