// Entry for the e2e suites and the bench: the local chain as processes, a local Jaeger, and the demo's JWTs.
export { DEVTOOLS_COMMANDS } from './commands/index.ts';
export { demoToken } from './demo-token.ts';
export { findJaeger, type Jaeger, startJaeger } from './jaeger.ts';
export { type LocalServices, startLocalServices } from './local-services.ts';
