// Types of chromium-args.mjs, for the TypeScript that imports it (playwright.config.ts).
export const chromiumArgs: string[]
