// The services' build, for the tools that must run what the source says: `mesh up`, `pnpm start`, `pnpm soak`, the bench.
export { BuildError, buildServices } from './build-services.ts';
