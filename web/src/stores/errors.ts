// The text to show for a failed call: the server's own message, or a generic one.
import { ApiError } from '../connection/http'
import { t } from '../i18n'

export function failure(e: unknown): string {
  return e instanceof ApiError ? e.message : t('common.somethingWrong')
}
