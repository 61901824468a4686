// How a transfer reads: sizes and speeds as the chat's files show them, time left as m:ss.
import { t } from '../../i18n'
import { formatDuration } from '../../rtc/format'

export { formatSize, formatSpeed } from '../chat/attachments'

export function formatLeft(seconds: number | null): string {
  return seconds === null
    ? t('transfer.leftUnknown')
    : t('transfer.left', { time: formatDuration(seconds * 1000) })
}
