// Emoji drawn as pictures Parley serves (Twemoji SVGs copied into dist/emoji/ at build time, see
// scripts/emoji-assets.mjs), so they look the same on every machine, a machine without a colour
// emoji font included. The character stays the picture's alt text: screen readers read it and a
// copied selection gives it back (copy.ts).

// Whole emoji as Unicode defines them (RGI sequences: skin tones, ZWJ families, flags, keycaps)
// where the engine knows the `v` flag's properties of strings; otherwise pictographs with what
// may follow them. Text-style characters (©, ™, a digit) without U+FE0F are not emoji here.
function makePattern(): RegExp {
  try {
    return new RegExp('\\p{RGI_Emoji}', 'gv')
  } catch {
    return /(?:\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3|\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?)*)/gu
  }
}
const pattern = makePattern()

// The file of an emoji: its code points in lower-case hex joined by '-', without U+FE0F (the
// build strips it from the file names too, so a sequence typed with or without the selector finds
// the same picture).
export function emojiFile(emoji: string): string {
  const points: string[] = []
  for (const ch of emoji) {
    const cp = ch.codePointAt(0) as number
    if (cp !== 0xfe0f) points.push(cp.toString(16))
  }
  return `/emoji/${points.join('-')}.svg`
}

export type EmojiPart = string | { emoji: string; src: string }

// `text` cut into plain runs and emoji, in order; joining the runs and the emoji gives `text` back.
export function splitEmoji(text: string): EmojiPart[] {
  const parts: EmojiPart[] = []
  let last = 0
  pattern.lastIndex = 0
  for (const m of text.matchAll(pattern)) {
    const at = m.index ?? 0
    // A pictograph with no emoji form on its own (the fallback pattern's ©, a bare digit) stays text.
    if (!isEmoji(m[0])) continue
    if (at > last) parts.push(text.slice(last, at))
    parts.push({ emoji: m[0], src: emojiFile(m[0]) })
    last = at + m[0].length
  }
  if (last < text.length) parts.push(text.slice(last))
  return parts
}

const presentation = /\p{Emoji_Presentation}|\uFE0F|\p{Emoji_Modifier}|\u20E3|\p{Regional_Indicator}/u
function isEmoji(s: string): boolean {
  return presentation.test(s)
}

// True when the text is nothing but emoji (and spaces), at most `max` of them: shown larger.
export function onlyEmoji(text: string, max = 3): boolean {
  let n = 0
  for (const p of splitEmoji(text)) {
    if (typeof p === 'string') {
      if (p.trim()) return false
    } else if (++n > max) return false
  }
  return n > 0
}
