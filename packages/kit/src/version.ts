// VERSION, the name a service answers as: what it may be and its default.
// Imported alone by the telemetry register module (@mesh-demo/kit/version), so it imports nothing.

/** What VERSION may be: a short label (it names the version in responses, metrics, logs and Kubernetes labels). */
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** VERSION when unset: the version a service answers as, and the one its spans carry (the telemetry resource reads it). */
export const DEFAULT_VERSION = 'v1';
