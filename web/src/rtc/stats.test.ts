import { describe, expect, it } from 'vitest'
import { SPEAKER_HOLD_MS, activeSpeaker, audioLevel, quality, readSample, type Sample } from './stats'

const sample = (over: Partial<Sample>): Sample => ({
  audioEnergy: 0,
  audioDuration: 0,
  packetsReceived: 0,
  packetsLost: 0,
  rtt: 0.05,
  ...over,
})

describe('stats', () => {
  it('reads the counters of a report: inbound audio energy, packets, the selected pair’s round trip', () => {
    const report = new Map<string, Record<string, unknown>>([
      [
        'a',
        {
          type: 'inbound-rtp',
          kind: 'audio',
          totalAudioEnergy: 2,
          totalSamplesDuration: 10,
          packetsReceived: 90,
          packetsLost: 1,
        },
      ],
      ['v', { type: 'inbound-rtp', kind: 'video', packetsReceived: 900, packetsLost: 9 }],
      ['p', { type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: 0.12 }],
      ['q', { type: 'candidate-pair', state: 'failed', nominated: false, currentRoundTripTime: 9 }],
    ])
    expect(readSample(report as unknown as RTCStatsReport)).toEqual({
      audioEnergy: 2,
      audioDuration: 10,
      packetsReceived: 990,
      packetsLost: 10,
      rtt: 0.12,
    })
  })

  it('measures the audio level between two samples as an RMS', () => {
    const a = sample({ audioEnergy: 1, audioDuration: 10 })
    expect(audioLevel(undefined, a)).toBe(0)
    expect(audioLevel(a, sample({ audioEnergy: 1.0025, audioDuration: 11 }))).toBeCloseTo(0.05)
    expect(audioLevel(a, a)).toBe(0)
  })

  it('grades the connection by round trip and loss', () => {
    const a = sample({ packetsReceived: 1000 })
    expect(quality(undefined, a)).toBeNull()
    expect(quality(a, sample({ packetsReceived: 2000, rtt: 0.05 }))).toBe('good')
    expect(quality(a, sample({ packetsReceived: 2000, packetsLost: 50, rtt: 0.05 }))).toBe('fair')
    expect(quality(a, sample({ packetsReceived: 2000, rtt: 0.4 }))).toBe('fair')
    expect(quality(a, sample({ packetsReceived: 2000, packetsLost: 200 }))).toBe('poor')
    expect(quality(a, sample({ packetsReceived: 2000, rtt: null }))).toBeNull()
  })

  it('picks the loudest speaker, and keeps the highlight a moment through a pause', () => {
    const levels = new Map([
      ['p1', 0.02],
      ['p2', 0.2],
      ['p3', 0],
    ])
    const now = 10_000
    const first = activeSpeaker(levels, null, now)
    expect(first).toEqual({ peer: 'p2', at: now })
    const quiet = new Map([
      ['p1', 0],
      ['p2', 0.001],
    ])
    expect(activeSpeaker(quiet, first, now + 500)).toBe(first)
    expect(activeSpeaker(quiet, first, now + SPEAKER_HOLD_MS + 1)).toBeNull()
    expect(activeSpeaker(new Map([['p1', 0]]), first, now + 500)).toBeNull() // p2 left
  })
})
