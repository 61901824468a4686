// A copied selection gives the characters back: each emoji picture (an <img class="emoji"> whose
// alt is the emoji) becomes its alt text in the clipboard's plain text. Browsers differ on whether
// they copy an image's alt; this makes it the same everywhere.
export function selectionText(fragment: DocumentFragment): string {
  const emoji = fragment.querySelectorAll<HTMLImageElement>('img.emoji')
  if (emoji.length === 0) return ''
  emoji.forEach((img) => img.replaceWith(img.ownerDocument.createTextNode(img.alt)))
  // A detached fragment has no layout, so innerText would equal textContent; blocks are joined by
  // line breaks as the browser's own plain-text copy does.
  const box = fragment.ownerDocument.createElement('div')
  box.append(fragment)
  const blocks = box.querySelectorAll('p, blockquote, li, div, br')
  blocks.forEach((el) => {
    if (el.tagName === 'BR') el.replaceWith('\n')
    else if (el.nextSibling || el.parentElement !== box) el.append('\n')
  })
  return (box.textContent ?? '').replace(/\n+$/, '')
}

export function installEmojiCopy(doc: Document = document): void {
  doc.addEventListener('copy', (e) => {
    const sel = doc.getSelection()
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed || !e.clipboardData) return
    const fragment = doc.createDocumentFragment()
    for (let i = 0; i < sel.rangeCount; i++) fragment.append(sel.getRangeAt(i).cloneContents())
    const text = selectionText(fragment)
    if (!text) return // no emoji in it: the browser's own copy
    e.clipboardData.setData('text/plain', text)
    e.preventDefault()
  })
}
