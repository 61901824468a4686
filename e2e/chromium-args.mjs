// Debian's Chromium flags for the browser tests and the browser benchmarks (../shared/STACK-NOTES.md):
// headless, fake camera, microphone and screen, WebRTC on loopback.
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
]
