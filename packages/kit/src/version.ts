// VERSION, the name a service answers as: what it may be (the chart's version names follow the same rule) and its default.
// Imported alone by the telemetry register module (@mesh-demo/kit/version), so it imports nothing.

/**
 * What VERSION may be: `v` and 1 to 9 digits (v1, v2, v10). The same name is a key of the chart's
 * `services.<name>.versions`, and there it becomes the Deployment and, with the Gateway API, the Service
 * `<service>-<version>` (a DNS-1035 label: lower case letters, digits and '-', at most 63 characters), an Istio subset
 * (a DNS-1123 label), a `version` label value, and a bare YAML scalar in the rendered manifests (where `1.0`, `true`
 * or `no` would not stay a string). So a rule must hold on both sides: the kit used to accept upper case, '.', '_'
 * and 63 characters, which no Deployment name takes, and the chart `v` and any number of digits, past what the kit
 * took. vN is what both render, the tutorial's names, and what the chart's helm test expects in the chain line; at
 * most 10 characters leave 52 for a service name within a DNS label.
 * charts/mesh-demo/values.schema.json (definitions.versionName) repeats the pattern; unit tests hold the two equal and
 * try test/version-cases.json on both sides.
 */
export const VERSION_PATTERN = /^v[0-9]{1,9}$/;

/** VERSION_PATTERN in words, for the line a service prints when it refuses a VERSION. */
export const VERSION_RULE = 'v and 1 to 9 digits, like v1 or v2';

/** VERSION when unset: the version a service answers as, and the one its spans carry (the telemetry resource reads it). */
export const DEFAULT_VERSION = 'v1';
