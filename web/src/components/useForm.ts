// Form state shared by the account pages: busy flag, errors by field, and a general message.
import { reactive, ref } from 'vue'
import { ApiError } from '../connection/http'
import { t } from '../i18n'

export function useForm() {
  const busy = ref(false)
  const errors = reactive<Record<string, string | null>>({})
  const message = ref<string | null>(null)

  // Runs `action`; an ApiError lands next to its field (or as the general message).
  async function submit(action: () => Promise<void>): Promise<boolean> {
    busy.value = true
    message.value = null
    for (const k of Object.keys(errors)) errors[k] = null
    try {
      await action()
      return true
    } catch (e) {
      if (e instanceof ApiError) {
        const text = e.retryAfter
          ? t('common.waitSeconds', { message: e.message, seconds: e.retryAfter })
          : e.message
        if (e.field) errors[e.field] = text
        else message.value = text
      } else {
        message.value = t('common.somethingWrong')
      }
      return false
    } finally {
      busy.value = false
    }
  }

  return { busy, errors, message, submit }
}
