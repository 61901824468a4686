// A voice message's waveform: the decoded samples folded into a few bars, each the loudest sample
// of its stretch, scaled so the loudest bar is full height.

export const BARS = 48
const FLOOR = 0.06 // silence still shows as a thin bar

export function peaks(samples: ArrayLike<number>, bars = BARS): number[] {
  const out = new Array<number>(bars).fill(0)
  const n = samples.length
  if (n === 0 || bars <= 0) return out.fill(FLOOR)
  for (let b = 0; b < bars; b++) {
    const from = Math.floor((b * n) / bars)
    const to = Math.max(from + 1, Math.floor(((b + 1) * n) / bars))
    let max = 0
    for (let i = from; i < to && i < n; i++) max = Math.max(max, Math.abs(samples[i] ?? 0))
    out[b] = max
  }
  const loudest = Math.max(...out)
  return out.map((v) => (loudest > 0 ? Math.max(FLOOR, v / loudest) : FLOOR))
}

// Decodes an audio file (its bytes) to mono samples and its length in seconds. An offline context
// decodes without a user gesture and without an output device.
export async function decodeAudio(bytes: ArrayBuffer): Promise<{ samples: Float32Array; duration: number }> {
  // Decoded at 3 kHz, the lowest rate allowed: plenty for 48 bars, and a long, low-bitrate file
  // (a few MiB can hold hours) decodes to 16 times less memory than at 48 kHz.
  const ctx = new OfflineAudioContext(1, 1, 3000)
  const buffer = await ctx.decodeAudioData(bytes)
  return { samples: buffer.getChannelData(0), duration: buffer.duration }
}
