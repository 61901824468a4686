// Emoji as Vue nodes: text nodes for the runs between them, an <img> per emoji whose alt text is
// the emoji itself. Built with h(), never as HTML; a picture that fails to load (an emoji newer
// than the pictures) falls back to the character.
import { h, shallowReactive, type FunctionalComponent, type VNodeChild } from 'vue'
import { splitEmoji } from './images'

const missing = shallowReactive(new Set<string>())

export function emojiNodes(text: string): VNodeChild {
  const parts = splitEmoji(text)
  // Plain text stays one text node (no fragment around it).
  if (parts.every((p) => typeof p === 'string')) return text
  return parts.map((part) =>
    typeof part === 'string'
      ? part
      : missing.has(part.src)
        ? part.emoji
        : h('img', {
            class: 'emoji',
            src: part.src,
            alt: part.emoji,
            draggable: 'false',
            loading: 'lazy',
            decoding: 'async',
            onError: () => missing.add(part.src),
          }),
  )
}

// <EmojiText :text="…" />: a string with its emoji as pictures, in the surrounding text's size.
export const EmojiText: FunctionalComponent<{ text: string }> = (props) => emojiNodes(props.text)
EmojiText.props = ['text']
