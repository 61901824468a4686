// How long a message being written is against what the server takes (its `hello`:
// stores/serverLimits.ts), counted in bytes as it is typed: a note near the limit, and past it a
// refusal that keeps the text.
import { computed, type Ref } from 'vue'
import { utf8Bytes } from '../../protocol/limits'
import { serverLimits } from '../../stores/serverLimits'
import { t } from '../../i18n'

const SHOW_FROM = 0.8 // the count shows from this share of the limit

export function lengthNote(bytes: number, fitsFrame = true): { tooLarge: boolean; note: string | null } {
  const max = serverLimits.message_bytes
  const tooLarge = bytes > max || !fitsFrame
  const count = t('composer.count', { bytes, max })
  if (tooLarge) return { tooLarge, note: t('composer.tooLong', { count }) }
  return { tooLarge, note: bytes >= max * SHOW_FROM ? count : null }
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
