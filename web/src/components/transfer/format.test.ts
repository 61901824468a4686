import { describe, expect, it } from 'vitest'
import { formatBytes, formatLeft, formatSpeed } from './format'

describe('transfer formatting', () => {
  it('reads sizes, speeds and time left', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MiB')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatSpeed(12_345_678)).toBe('12.3 MB/s')
    expect(formatLeft(65)).toBe('1:05 left')
    expect(formatLeft(null)).toBe('time left unknown')
  })
})
