// What a call shows from getStats: how loud each remote peer is (for the active speaker) and how
// good the connection is (round-trip time and packet loss). Pure functions over two samples.

export type Quality = 'good' | 'fair' | 'poor'

// The counters read from one getStats report of one peer connection.
export interface Sample {
  audioEnergy: number // inbound audio: totalAudioEnergy, summed
  audioDuration: number // totalSamplesDuration (s)
  packetsReceived: number
  packetsLost: number
  rtt: number | null // the selected candidate pair's currentRoundTripTime (s)
}

export function readSample(report: RTCStatsReport): Sample {
  const s: Sample = { audioEnergy: 0, audioDuration: 0, packetsReceived: 0, packetsLost: 0, rtt: null }
  report.forEach((stat: Record<string, unknown>) => {
    const num = (k: string): number => (typeof stat[k] === 'number' ? (stat[k] as number) : 0)
    if (stat.type === 'inbound-rtp') {
      s.packetsReceived += num('packetsReceived')
      s.packetsLost += Math.max(0, num('packetsLost'))
      if (stat.kind === 'audio') {
        s.audioEnergy += num('totalAudioEnergy')
        s.audioDuration += num('totalSamplesDuration')
      }
    } else if (
      stat.type === 'candidate-pair' &&
      stat.state === 'succeeded' &&
      (stat.nominated === true || stat.selected === true) &&
      typeof stat.currentRoundTripTime === 'number'
    ) {
      s.rtt = stat.currentRoundTripTime
    }
  })
  return s
}

// The RMS level (0-1) of the audio received between two samples: energy is the sum of squared
// levels times duration, so sqrt(Δenergy / Δduration).
export function audioLevel(prev: Sample | undefined, next: Sample): number {
  if (!prev) return 0
  const dt = next.audioDuration - prev.audioDuration
  const de = next.audioEnergy - prev.audioEnergy
  return dt > 0 && de > 0 ? Math.min(1, Math.sqrt(de / dt)) : 0
}

export function quality(prev: Sample | undefined, next: Sample): Quality | null {
  if (!prev || next.rtt === null) return null
  const received = next.packetsReceived - prev.packetsReceived
  const lost = next.packetsLost - prev.packetsLost
  const loss = received + lost > 0 ? lost / (received + lost) : 0
  if (next.rtt < 0.3 && loss < 0.02) return 'good'
  if (next.rtt < 0.6 && loss < 0.08) return 'fair'
  return 'poor'
}

// Above this RMS level a peer counts as speaking (silence with comfort noise stays far below).
export const SPEAKING_LEVEL = 0.01
// The active speaker keeps the highlight this long after going quiet, so it does not flicker
// between words.
export const SPEAKER_HOLD_MS = 1500

// The remote peer to highlight: the loudest one speaking now, else the previous one for a while.
export function activeSpeaker(
  levels: ReadonlyMap<string, number>,
  previous: { peer: string; at: number } | null,
  now: number,
): { peer: string; at: number } | null {
  let best: string | null = null
  let loudest = SPEAKING_LEVEL
  for (const [peer, level] of levels) {
    if (level > loudest) {
      best = peer
      loudest = level
    }
  }
  if (best) return { peer: best, at: now }
  if (previous && levels.has(previous.peer) && now - previous.at < SPEAKER_HOLD_MS) return previous
  return null
}
