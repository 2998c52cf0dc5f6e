/**
 * The one source of truth for every message that crosses a boundary, gathered in one module:
 * the browser ↔ proxy status protocol, the okID upstream shapes, and the capture API.
 * Browser code imports the narrower modules so a desktop bundle carries only what it uses.
 */
export * from './status.js';
export * from './okid-api.js';
export * from './capture-api.js';
