// VERSION: the kit accepts exactly the version names the chart renders (the shared cases), and the two state one pattern.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, type ServiceDefinition } from '../src/config.ts';
import { DEFAULT_VERSION, VERSION_PATTERN } from '../src/version.ts';

const leaf: ServiceDefinition = { name: 'recommendation', edge: false };
const cases = JSON.parse(readFileSync(new URL('./version-cases.json', import.meta.url), 'utf8')) as {
  good: string[];
  bad: Array<{ value: string; why: string }>;
};
const chartSchema = JSON.parse(readFileSync(new URL('../../../charts/mesh-demo/values.schema.json', import.meta.url), 'utf8'));

describe('VERSION', () => {
  it('is loaded as given for every good version name of the shared cases', () => {
    for (const version of cases.good) assert.equal(loadConfig(leaf, { HOSTNAME: 'x', VERSION: version }).version, version);
  });

  it('is refused, naming the rule, for every bad version name of the shared cases', () => {
    for (const { value, why } of cases.bad) {
      assert.throws(
        () => loadConfig(leaf, { HOSTNAME: 'x', VERSION: value }),
        (error: unknown) =>
          error instanceof ConfigError && /^invalid VERSION: must be v and 1 to 9 digits, like v1 or v2 \(got /.test(error.message),
        `${JSON.stringify(value)}: ${why}`,
      );
    }
  });

  it('defaults to a name the pattern accepts', () => {
    assert.equal(loadConfig(leaf, { HOSTNAME: 'x' }).version, DEFAULT_VERSION);
    assert.match(DEFAULT_VERSION, VERSION_PATTERN);
  });

  it("is the very pattern of the chart's version names, in its definition and in the keys of versions and weights", () => {
    const { definitions } = chartSchema;
    assert.equal(definitions.versionName.pattern, VERSION_PATTERN.source);
    assert.deepEqual(Object.keys(definitions.versions.patternProperties), [VERSION_PATTERN.source]);
    assert.deepEqual(Object.keys(definitions.traffic.properties.weights.patternProperties), [VERSION_PATTERN.source]);
  });
});
