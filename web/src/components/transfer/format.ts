// How a transfer reads: sizes in binary units, speed in MB/s, time left as m:ss.
import { formatDuration } from '../../rtc/format'

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}

export function formatSpeed(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`
}

export function formatLeft(seconds: number | null): string {
  return seconds === null ? 'time left unknown' : `${formatDuration(seconds * 1000)} left`
}
