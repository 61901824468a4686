// What the client knows of other people's faces: display name and avatar per user id, learnt from
// members lists, `profile` frames and `user_renamed` events. The chat store keeps one such map
// (reactive) so any component can look a user up by id; these functions are its rules.
import type { Member, ProfileFrame } from '../protocol/frames'

export interface Profile {
  display_name: string
  avatar: string | null // the avatar's URL
  username?: string // when a members list said it
}

export type Profiles = Map<number, Profile>

// A members list is the server's current view of each member: it replaces what was known.
export function noteMembers(profiles: Profiles, members: readonly Member[]): void {
  for (const m of members)
    profiles.set(m.id, { display_name: m.display_name, avatar: m.avatar, username: m.username })
}

export function noteProfile(profiles: Profiles, frame: ProfileFrame): void {
  const known = profiles.get(frame.user)
  profiles.set(frame.user, {
    display_name: frame.display_name,
    avatar: frame.avatar,
    username: known?.username,
  })
}

// A rename says nothing of the avatar: what was known of it stays.
export function noteRename(profiles: Profiles, user: number, display_name: string): void {
  const known = profiles.get(user)
  profiles.set(user, { display_name, avatar: known?.avatar ?? null, username: known?.username })
}
