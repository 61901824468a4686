// Applies the chosen theme: one attribute on <html>, read by the CSS custom properties. "system"
// removes it, so the prefers-color-scheme media query decides. The last choice is remembered in
// localStorage so the next page load paints in it before the server has answered.
export type Theme = 'system' | 'light' | 'dark' | 'high-contrast'
export const themes: readonly Theme[] = ['system', 'light', 'dark', 'high-contrast']
const storageKey = 'parley.theme'

export function isTheme(v: unknown): v is Theme {
  return typeof v === 'string' && (themes as readonly string[]).includes(v)
}

export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  if (theme === 'system') root.removeAttribute('data-theme')
  else root.setAttribute('data-theme', theme)
  try {
    localStorage.setItem(storageKey, theme)
  } catch {
    // Storage can be unavailable (private mode); the theme still applies for this page.
  }
}

export function rememberedTheme(): Theme {
  try {
    const v = localStorage.getItem(storageKey)
    return isTheme(v) ? v : 'system'
  } catch {
    return 'system'
  }
}
