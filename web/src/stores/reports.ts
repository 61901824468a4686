// Reporting a message to the admins (docs/api.md, `POST /api/reports`).
import { ApiError, api } from '../connection/http'
import { t } from '../i18n'

export const MAX_REASON = 1000

// Resolves once the report is filed; a report the caller already made is refused with a clear text.
export async function reportMessage(message: number, reason: string): Promise<void> {
  try {
    await api('POST', '/api/reports', { body: { message, reason: reason.trim() } })
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) throw new ApiError(409, e.code, t('report.already'), null)
    if (e instanceof ApiError && e.status === 404) throw new ApiError(404, e.code, t('report.gone'), null)
    throw e
  }
}
