// No control on any screen keeps the browser's own look (the grey button with a 2px outset border,
// the inset text field, the small system font, a native select), in the light, dark and
// high-contrast themes, on a desktop and on a phone: the same screens as accessibility.spec.ts.
// The browser's defaults are read from controls in a shadow root, where the app's styles do not
// reach, in the page's own colour scheme (dark themes have dark defaults: the mid-grey buttons).
import type { Page } from '@playwright/test'
import { test, expect } from './fixtures'
import { THEMES, chatRoom, walk, type ChatRoom } from './screens'

// Each test walks a dozen screens: more than the default 30 s on a busy machine.
test.describe.configure({ mode: 'serial', timeout: 90_000 })

let room: ChatRoom
test.beforeAll(async ({ browser }) => {
  room = await chatRoom(browser)
})

// Each visible control that looks as the browser draws it, with its name, where it is and why.
function browserDefaults(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const host = document.createElement('div')
    document.body.append(host)
    const shadow = host.attachShadow({ mode: 'open' })
    shadow.innerHTML = '<button>x</button><input><textarea></textarea><select><option>x</option></select>'
    const ua = (tag: string) => {
      const s = getComputedStyle(shadow.querySelector(tag)!)
      return {
        background: s.backgroundColor,
        border: `${s.borderTopWidth} ${s.borderTopStyle} ${s.borderTopColor}`,
        font: `${s.fontSize} ${s.fontFamily}`,
      }
    }
    const defaults = {
      button: ua('button'),
      input: ua('input'),
      textarea: ua('textarea'),
      select: ua('select'),
    }
    host.remove()

    const name = (el: HTMLElement): string => {
      const labelled = el.getAttribute('aria-labelledby')
      const text =
        el.getAttribute('aria-label') ??
        (labelled && document.getElementById(labelled)?.textContent) ??
        // (A label holding its select holds the options' words too.)
        (el as HTMLInputElement).labels?.[0]?.textContent?.replace(el.textContent ?? '', '') ??
        el.textContent ??
        ''
      return (text.trim() || el.getAttribute('placeholder') || el.getAttribute('title') || '').slice(0, 60)
    }
    const where = (el: HTMLElement): string => {
      const path: string[] = []
      for (
        let at: HTMLElement | null = el;
        at && at !== document.body && path.length < 4;
        at = at.parentElement
      ) {
        const cls = [...at.classList]
          .slice(0, 2)
          .map((c) => `.${c}`)
          .join('')
        path.unshift(`${at.tagName.toLowerCase()}${at.id ? `#${at.id}` : ''}${cls}`)
      }
      return path.join(' > ')
    }
    const visible = (el: HTMLElement) => {
      const r = el.getBoundingClientRect()
      return (
        r.width > 2 && r.height > 2 && el.checkVisibility({ visibilityProperty: true, opacityProperty: true })
      )
    }

    const found: string[] = []
    const controls = document.querySelectorAll<HTMLElement>('button, input, select, textarea')
    for (const el of controls) {
      if (!visible(el)) continue
      const type = el instanceof HTMLInputElement ? el.type : ''
      // A file field is drawn as its button; a colour field as a button holding a swatch.
      const s = getComputedStyle(el, type === 'file' ? '::file-selector-button' : null)
      const why: string[] = []
      const border = `${s.borderTopWidth} ${s.borderTopStyle} ${s.borderTopColor}`
      const font = `${s.fontSize} ${s.fontFamily}`
      if (['checkbox', 'radio', 'range'].includes(type)) {
        if (s.accentColor === 'auto') why.push("the browser's accent colour")
      } else {
        const kind =
          el instanceof HTMLButtonElement || ['button', 'submit', 'reset', 'file', 'color'].includes(type)
            ? 'button'
            : el instanceof HTMLSelectElement
              ? 'select'
              : el instanceof HTMLTextAreaElement
                ? 'textarea'
                : 'input'
        const ua = defaults[kind]
        if (/outset|inset/.test(s.borderTopStyle) || border === ua.border)
          why.push(`the browser's border (${border})`)
        if (font === ua.font && type !== 'color') why.push(`the browser's font (${font})`)
        if (kind === 'button' && s.backgroundColor === ua.background) {
          why.push(`the browser's button colour (${s.backgroundColor})`)
        }
        if (kind === 'select' && s.appearance !== 'none')
          why.push(`a native menu (appearance ${s.appearance})`)
        // The theme draws a select's arrow as its background picture; a component's `background`
        // left it a plain box that does not look like a menu.
        if (kind === 'select' && s.appearance === 'none' && s.backgroundImage === 'none')
          why.push('a menu without its arrow')
      }
      if (why.length) {
        found.push(
          `${el.tagName.toLowerCase()}${type ? `[type=${type}]` : ''} "${name(el)}" at ${where(el)}: ${why.join(', ')}`,
        )
      }
    }
    return found
  })
}

for (const theme of THEMES) {
  for (const phone of [false, true]) {
    test(`no control keeps the browser's look in the ${theme} theme on a ${phone ? 'phone' : 'desktop'}`, async ({
      browser,
    }) => {
      const found: string[] = []
      const errors = await walk(browser, room, theme, phone, async (page, screen) => {
        found.push(...(await browserDefaults(page)).map((v) => `${screen}: ${v}`))
      })
      expect(found, "controls in the browser's default look").toEqual([])
      expect(errors, 'console errors').toEqual([])
    })
  }
}
