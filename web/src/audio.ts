// The page's one AudioContext, for the notification chime, the ring of a call and microphone level
// meters, running only while one of them uses it: a running context keeps an audio output stream
// open, which costs CPU in the page and in the browser's audio service all the time (measured in
// the direct transfer benchmark: about 3 s of CPU per minute for two idle pages, docs/benchmarks.md).
let ctx: AudioContext | null = null
let users = 0
let idle: ReturnType<typeof setTimeout> | null = null

// How long the context stays running after its last user let go: sounds end, and a chime that
// follows another soon does not pay for a resume.
const IDLE_MS = 1000

export interface AudioHold {
  readonly ctx: AudioContext
  release(): void
}

// Runs the context until `release` (null where there is no WebAudio). The browser lets it start
// only once the page has had a user gesture; made in one, it may be resumed later without.
export function holdAudio(): AudioHold | null {
  if (typeof AudioContext === 'undefined') return null
  const context = (ctx ??= new AudioContext())
  users++
  if (idle) clearTimeout(idle)
  idle = null
  void context.resume().catch(() => undefined)
  let held = true
  return {
    ctx: context,
    release() {
      if (!held) return
      held = false
      if (--users > 0) return
      idle = setTimeout(() => {
        idle = null
        if (users === 0) void context.suspend().catch(() => undefined)
      }, IDLE_MS)
    },
  }
}
