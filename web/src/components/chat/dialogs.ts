// The room dialogs that the sidebar and the first-run guide both open, loaded on first use: one
// lazy definition each, so no static import keeps them on the first screen.
import { lazy } from '../lazy'

export const NewRoomDialog = lazy(() => import('./NewRoomDialog.vue'))
export const DirectoryDialog = lazy(() => import('./DirectoryDialog.vue'))
