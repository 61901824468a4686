// The ring of an incoming call: a two-tone phone ring every 3 s, synthesized with WebAudio (no
// sound file to fetch). The browser lets it sound once the page has had a user gesture.

import { holdAudio } from '../audio'

function burst(ctx: AudioContext, gain: number): void {
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
  const hold = gain > 0 ? holdAudio() : null
  if (!hold) return () => undefined
  burst(hold.ctx, gain)
  const timer = setInterval(() => burst(hold.ctx, gain), 3000)
  return () => {
    clearInterval(timer)
    hold.release()
  }
}
