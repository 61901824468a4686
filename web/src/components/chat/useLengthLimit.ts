// How long a message being written is against what the server takes (protocol/limits.ts), counted
// in bytes as it is typed: a note near the limit, and past it a refusal that keeps the text.
import { computed, type Ref } from 'vue'
import { MESSAGE_MAX_BYTES, utf8Bytes } from '../../protocol/limits'
import { t } from '../../i18n'

const SHOW_FROM = 0.8 // the count shows from this share of the limit

export function lengthNote(bytes: number, fitsFrame = true): { tooLarge: boolean; note: string | null } {
  const tooLarge = bytes > MESSAGE_MAX_BYTES || !fitsFrame
  const count = t('composer.count', { bytes, max: MESSAGE_MAX_BYTES })
  if (tooLarge) return { tooLarge, note: t('composer.tooLong', { count }) }
  return { tooLarge, note: bytes >= MESSAGE_MAX_BYTES * SHOW_FROM ? count : null }
}

// `fits` says whether the whole command fits in a frame (its escapes can make it larger than the text).
export function useLengthLimit(text: Ref<string>, fits: (trimmed: string) => boolean) {
  const state = computed(() => {
    const trimmed = text.value.trim()
    return lengthNote(utf8Bytes(trimmed), fits(trimmed))
  })
  return {
    tooLarge: computed(() => state.value.tooLarge),
    note: computed(() => state.value.note),
  }
}
