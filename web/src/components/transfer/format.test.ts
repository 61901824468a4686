import { describe, expect, it } from 'vitest'
import { formatLeft, formatSize, formatSpeed } from './format'

describe('transfer formatting', () => {
  it('reads sizes, speeds and time left', () => {
    expect(formatSize(512)).toBe('512 B')
    expect(formatSize(50 * 1024 * 1024)).toBe('50 MB')
    expect(formatSize(1536)).toBe('1.5 KB')
    expect(formatSpeed(12_345_678)).toBe('12 MB/s')
    expect(formatLeft(65)).toBe('1:05 left')
    expect(formatLeft(null)).toBe('time left unknown')
  })
})
