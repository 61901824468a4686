// A short, readable name for a browser from its user-agent string ("Chrome on Linux"), for the
// sign-in sessions and the devices that get notifications.
import { t } from '../i18n'

export function deviceName(ua: string): string {
  const browser = /Firefox\//.test(ua)
    ? 'Firefox'
    : /Edg\//.test(ua)
      ? 'Edge'
      : /Chrome\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : t('sessions.browser')
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : ''
  return os ? t('sessions.device', { browser, os }) : ua.slice(0, 60) || t('sessions.unknown')
}
