import { describe, expect, it } from 'vitest'
import { exportName } from './document'

describe('exportName', () => {
  it('names an edited picture after its source, with the format’s extension', () => {
    expect(exportName('holiday photo.JPG', 'image/jpeg')).toBe('holiday photo-edited.jpg')
    expect(exportName('pattern.png', 'image/webp')).toBe('pattern-edited.webp')
    expect(exportName('no-extension', 'image/png')).toBe('no-extension-edited.png')
  })
  it('dates a drawing made on a blank page', () => {
    expect(exportName(undefined, 'image/png', new Date(2026, 11, 6, 9, 5, 3))).toBe(
      'drawing-20261206-090503.png',
    )
  })
})
