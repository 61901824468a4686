// What the server takes, as its `hello` said (docs/protocol.md): the composer's length, the largest
// frame and the largest file follow the server's own flags. The defaults stand until a `hello`
// came, and for a server that does not say.
import { reactive } from 'vue'
import type { ServerLimits } from '../protocol/frames'
import { DEFAULT_LIMITS } from '../protocol/limits'

export const serverLimits = reactive<ServerLimits>({ ...DEFAULT_LIMITS })

export function adoptLimits(limits: ServerLimits | undefined): void {
  Object.assign(serverLimits, limits ?? DEFAULT_LIMITS)
}
