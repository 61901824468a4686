// @vitest-environment jsdom
// Appending one message to an open room: a room of 100,000 messages against one of 300 (the
// baseline, same run). `npm run bench` (make bench); not part of the tests.
import { bench, describe } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import type { ChatEvent, RoomSummary } from '../../protocol/frames'
import { useChatStore } from '../../stores/chat'
import { Timeline } from '../../stores/timeline'
import RoomPane from './RoomPane.vue'

const summary: RoomSummary = {
  id: 1,
  kind: 'channel',
  name: 'big',
  topic: '',
  last_seq: 0,
  read_seq: 0,
  delivered_seq: 0,
  unread: 0,
  mentions: 0,
  role: 'member',
  members: 2,
  peer: null,
  notify: true,
  volume: 100,
  muted: false,
  hidden: false,
  last_at: 0,
  group: null,
}

const message = (seq: number): ChatEvent => ({
  seq,
  kind: 'message',
  at: 1_764_000_000_000 + seq * 1000,
  user: 1 + (seq % 3),
  username: `user${seq % 3}`,
  id: seq,
  text: `message number ${seq} with **some** text and a link https://example.com/${seq}`,
  reply_to: null,
  mentions: [],
})

function openRoom(size: number) {
  setActivePinia(createPinia())
  const chat = useChatStore()
  chat.rooms.set(1, { ...summary })
  const t = new Timeline()
  for (let seq = 1; seq <= size; seq++) t.apply(message(seq))
  chat.timelines.set(1, t)
  const wrapper = mount(RoomPane, { props: { room: 1 } })
  let seq = size
  return {
    async append() {
      chat.timelines.get(1)?.apply(message(++seq))
      await nextTick()
    },
    wrapper,
  }
}

for (const size of [300, 100_000]) {
  describe(`a room of ${size} messages`, () => {
    const room = openRoom(size)
    bench('append one message and render', () => room.append(), { time: 1000 })
  })
}
