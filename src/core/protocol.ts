/**
 * The one source of truth for every message that crosses a boundary, gathered in one module:
 * the browser ↔ proxy status protocol, the okID upstream shapes, and the capture API.
 * Browser code imports the narrower modules so a desktop bundle carries only what it uses, and
 * never the zod schemas (`*-schemas.ts`): it checks what it receives with `wire-checks.ts`.
 */
export * from './status.js';
export * from './status-schemas.js';
export * from './okid-api.js';
export * from './capture-api.js';
export * from './capture-api-schemas.js';
