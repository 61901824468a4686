import { describe, expect, it } from 'vitest'
import { peaks } from './waveform'

describe('peaks', () => {
  it('folds the samples into bars of their loudest sample, the loudest bar full', () => {
    const samples = [0.1, -0.2, 0.05, 0.5, -1, 0.25, 0.3, 0.1]
    expect(peaks(samples, 4)).toEqual([0.2, 0.5, 1, 0.3])
  })

  it('gives as many bars as asked, even from fewer samples', () => {
    const bars = peaks([0.5, -0.25], 48)
    expect(bars).toHaveLength(48)
    expect(Math.max(...bars)).toBe(1)
    expect(bars.every((b) => b > 0 && b <= 1)).toBe(true)
  })

  it('shows silence and nothing as thin bars', () => {
    expect(new Set(peaks(new Float32Array(1000), 48)).size).toBe(1)
    expect(peaks(new Float32Array(1000), 48)[0]).toBeGreaterThan(0)
    expect(peaks([], 10)).toHaveLength(10)
  })

  it('keeps quiet bars visible', () => {
    const samples = new Float32Array(100)
    samples[99] = 1
    expect(Math.min(...peaks(samples, 10))).toBeGreaterThan(0)
  })
})
