// The text to show for a failed call: the server's own message, or a generic one.
import { ApiError } from '../connection/http'

export function failure(e: unknown): string {
  return e instanceof ApiError ? e.message : 'Something went wrong. Please try again.'
}
