// Wires the notifier to the socket's frames, the chat's rooms and the account's settings.
import { router } from '../router'
import { useChatStore } from '../stores/chat'
import { useConnectionStore } from '../stores/connection'
import { useSessionStore } from '../stores/session'
import { armAudio, chime, decide, showDesktop } from './notifier'
import { t } from '../i18n'

export function startNotifications(): void {
  const connection = useConnectionStore()
  const chat = useChatStore()
  const session = useSessionStore()
  armAudio()
  connection.onFrame((frame) => {
    if (frame.type !== 'event' || frame.event.kind !== 'message') return
    const s = session.settings
    if (!s) return
    const room = chat.rooms.get(frame.room)
    const permitted = typeof Notification !== 'undefined' && Notification.permission === 'granted'
    const d = decide(
      frame.event,
      room,
      chat.me?.id,
      { sound: s.sound, volume: s.volume, desktop: s.desktop_notifications },
      document.visibilityState === 'hidden',
      permitted,
    )
    if (d.sound > 0) chime(d.sound)
    if (d.desktop && room) {
      showDesktop(
        t('notify.title', {
          name: chat.nameOf(frame.event.user, frame.event.username),
          room: chat.roomName(room),
        }),
        frame.event.text ?? '',
        () => void router.push({ name: 'room', params: { room: String(frame.room) } }),
        chat.avatarOf(frame.event.user),
      )
    }
  })
}
