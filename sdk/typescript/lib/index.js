// @kodex-cli/sdk: drive kodex from Node through `kodex app-server`, with the
// API of Codex's TypeScript SDK (@openai/codex-sdk). See README.md.

export { Kodex } from "./kodex.js";
export { Thread } from "./thread.js";
export { KodexError } from "./errors.js";
