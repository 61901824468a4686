// The stand-in for a missing avatar: a person's initials on a colour of their own.

// Up to two letters: the first of the first and last words ("Ada Lovelace" → "AL", "bob" → "B").
// Letters are taken whole (an emoji or an accented letter is one character, not half of one).
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/[\s._-]+/u)
    .filter(Boolean)
  const first = (w: string | undefined) => (w ? (Array.from(w)[0] ?? '') : '')
  if (words.length === 0) return '?'
  const letters = words.length === 1 ? first(words[0]) : first(words[0]) + first(words[words.length - 1])
  return letters.toLocaleUpperCase()
}

// A hue (0–360) fixed by the user id; the golden angle spreads neighbouring ids far apart. The
// saturation and lightness come from the theme (theme.css), so the text stays readable in each.
export function avatarHue(user: number): number {
  const hue = (user * 137.508) % 360
  return Math.round(hue < 0 ? hue + 360 : hue)
}
