// The emoji this browser used last (reactions and the composer's picker), newest first: the reaction
// row and the picker offer them first. Kept in localStorage, at most 24.
const KEY = 'parley.recentEmoji'
const MAX = 24

export function recentEmoji(): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]')
    if (!Array.isArray(v)) return []
    return v.filter((c): c is string => typeof c === 'string' && c.length > 0 && c.length <= 16).slice(0, MAX)
  } catch {
    return []
  }
}

export function usedEmoji(char: string): void {
  const list = [char, ...recentEmoji().filter((c) => c !== char)].slice(0, MAX)
  try {
    localStorage.setItem(KEY, JSON.stringify(list))
  } catch {
    // storage full or denied: recents are a convenience
  }
}
