// The ring of an incoming call: a two-tone phone ring every 3 s, synthesized with WebAudio (no
// sound file to fetch). The browser lets it sound once the page has had a user gesture.

let ctx: AudioContext | null = null

function burst(gain: number): void {
  if (!ctx) return
  const t = ctx.currentTime
  for (const at of [0, 0.45]) {
    const g = ctx.createGain()
    g.gain.setValueAtTime(0.0001, t + at)
    g.gain.exponentialRampToValueAtTime(0.2 * gain, t + at + 0.02)
    g.gain.setValueAtTime(0.2 * gain, t + at + 0.33)
    g.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.4)
    g.connect(ctx.destination)
    for (const freq of [440, 480]) {
      const osc = ctx.createOscillator()
      osc.frequency.value = freq
      osc.connect(g)
      osc.start(t + at)
      osc.stop(t + at + 0.41)
    }
  }
}

// Starts ringing at `gain` (0-1); returns the function that stops it.
export function startRinging(gain: number): () => void {
  if (gain <= 0 || typeof AudioContext === 'undefined') return () => undefined
  ctx ??= new AudioContext()
  void ctx.resume().catch(() => undefined)
  burst(gain)
  const timer = setInterval(() => burst(gain), 3000)
  return () => clearInterval(timer)
}
