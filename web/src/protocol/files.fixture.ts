// Tests only: a file as the server describes it (docs/api.md), with what a test cares about
// changed. `fileInfo` is an image with both variants; `plainFile` a file shown as a card.
import type { FileInfo } from './frames'

export function fileInfo(over: Partial<FileInfo> = {}): FileInfo {
  const id = over.id ?? 1
  return {
    id,
    name: 'cat.jpg',
    size: 482113,
    type: 'image/jpeg',
    kind: 'image',
    width: 1600,
    height: 1200,
    duration: null,
    animated: false,
    thumb: true,
    preview: true,
    url: `/api/files/${id}`,
    ...over,
  }
}

export function plainFile(id: number, name: string, size: number, type = 'text/plain'): FileInfo {
  return fileInfo({
    id,
    name,
    size,
    type,
    kind: 'file',
    width: null,
    height: null,
    thumb: false,
    preview: false,
  })
}
