// Config loading: defaults, typed mapping, and one line naming every bad variable, whatever the number of bad values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, type ServiceDefinition } from '../src/config.ts';

const customer: ServiceDefinition = { name: 'customer', edge: true, downstream: 'preference' };
const leaf: ServiceDefinition = { name: 'recommendation', edge: false };
const ORDER = ['MAX_IN_FLIGHT', 'RETRY_AFTER_SECONDS', 'MAX_EVENT_LOOP_DELAY_MS'];
/** Position of a problem's variable in ORDER, so a test can read several problems in a fixed order. */
const order = (problem: string) => ORDER.findIndex((v) => problem.startsWith(`invalid ${v}:`));

describe('loadConfig', () => {
  it('bounds admission by default: in flight at the downstream pool size (256 for the leaf), event-loop lag 1 s, Retry-After 1 s', () => {
    assert.deepEqual(loadConfig(customer, { HOSTNAME: 'p' }).admission, {
      maxInFlight: 256,
      maxEventLoopDelayMs: 1000,
      retryAfterSeconds: 1,
    });
    assert.equal(loadConfig(customer, { HOSTNAME: 'p', DOWNSTREAM_CONNECTIONS: '10' }).admission.maxInFlight, 10);
    assert.equal(loadConfig(leaf, { HOSTNAME: 'p' }).admission.maxInFlight, 256);
    assert.equal(loadConfig(customer, { HOSTNAME: 'p', MAX_IN_FLIGHT: '0' }).admission.maxInFlight, 0);
  });

  it('refuses more in flight than the downstream pool holds, and bad bounds, in one line', () => {
    assert.throws(
      () => loadConfig(customer, { HOSTNAME: 'p', MAX_IN_FLIGHT: '300', DOWNSTREAM_CONNECTIONS: '200' }),
      (error: Error) =>
        error instanceof ConfigError &&
        error.message ===
          'invalid MAX_IN_FLIGHT: must be <= DOWNSTREAM_CONNECTIONS (got 300 > 200): the rest would queue for a connection until their deadline',
    );
    assert.throws(
      () => loadConfig(leaf, { HOSTNAME: 'p', MAX_IN_FLIGHT: '-1', RETRY_AFTER_SECONDS: '0', MAX_EVENT_LOOP_DELAY_MS: 'soon' }),
      (error: Error) =>
        error instanceof ConfigError &&
        /^invalid MAX_IN_FLIGHT: .*; invalid RETRY_AFTER_SECONDS: .*; invalid MAX_EVENT_LOOP_DELAY_MS: /.test(
          error.message
            .split('; ')
            .sort((a, b) => order(a) - order(b))
            .join('; '),
        ),
    );
  });

  it('reclaims memory after 30 s idle by default; 0 turns it off; 1..999 ms or a non-number is refused in one line', () => {
    assert.equal(loadConfig(customer, { HOSTNAME: 'p' }).memoryReclaimIdleMs, 30_000);
    assert.equal(loadConfig(customer, { HOSTNAME: 'p', MEMORY_RECLAIM_IDLE_MS: '0' }).memoryReclaimIdleMs, 0);
    assert.throws(
      () => loadConfig(leaf, { HOSTNAME: 'p', MEMORY_RECLAIM_IDLE_MS: '500' }),
      (error: Error) =>
        error instanceof ConfigError &&
        error.message === 'invalid MEMORY_RECLAIM_IDLE_MS: must be 0 (off) or at least 1000 (got 500): idleness is judged over that long',
    );
    assert.throws(
      () => loadConfig(leaf, { HOSTNAME: 'p', MEMORY_RECLAIM_IDLE_MS: 'later' }),
      (error: Error) => error instanceof ConfigError && /^invalid MEMORY_RECLAIM_IDLE_MS: .*\(got "later"\)$/.test(error.message),
    );
  });

  it('applies the documented defaults, with the downstream at its Kubernetes service name', () => {
    const config = loadConfig(customer, { HOSTNAME: 'pod-1' });
    assert.equal(config.version, 'v1');
    assert.equal(config.port, 8080);
    assert.equal(config.managementPort, 9000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.hostname, 'pod-1');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.shutdownDelayMs, 5000);
    assert.equal(config.shutdownTimeoutMs, 10000);
    assert.deepEqual(config.downstream, {
      name: 'preference',
      url: 'http://preference:8080',
      timeoutMs: 5000,
      connectTimeoutMs: 1000,
      maxBodyBytes: 65536,
      connections: 256,
    });
    assert.ok(config.propagateHeaders.includes('x-b3-traceid'));
    assert.ok(config.propagateHeaders.includes('user-agent'));
  });

  it('reads every variable and strips a trailing slash from the downstream URL', () => {
    const config = loadConfig(customer, {
      VERSION: 'v2',
      PORT: '8181',
      MANAGEMENT_PORT: '9191',
      HOSTNAME: 'customer-v2-abc',
      LOG_LEVEL: 'debug',
      PREFERENCE_URL: 'http://127.0.0.1:8082/',
      DOWNSTREAM_TIMEOUT_MS: '1500',
      SHUTDOWN_DELAY_MS: '0',
      PROPAGATE_HEADERS: 'X-B3-TraceId, user',
    });
    assert.equal(config.version, 'v2');
    assert.equal(config.port, 8181);
    assert.equal(config.managementPort, 9191);
    assert.equal(config.downstream?.url, 'http://127.0.0.1:8082');
    assert.equal(config.downstream?.timeoutMs, 1500);
    assert.equal(config.shutdownDelayMs, 0);
    assert.deepEqual(config.propagateHeaders, ['x-b3-traceid', 'user']);
  });

  it('gives the leaf no downstream and ignores downstream variables', () => {
    const config = loadConfig(leaf, { PREFERENCE_URL: 'not a url', HOSTNAME: 'x' });
    assert.equal(config.downstream, undefined);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['PORT', 'abc', /^invalid PORT: must be integer \(got "abc"\)$/],
    ['PORT', '70000', /^invalid PORT: must be <= 65535 \(got "70000"\)$/],
    ['PORT', '1.5', /^invalid PORT: must be integer \(got "1.5"\)$/],
    ['FAULT_READY', 'yes', /^invalid FAULT_READY: must be boolean \(got "yes"\)$/],
    ['FAULT_ERROR_RATE', 'NaN', /^invalid FAULT_ERROR_RATE: must be number \(got "NaN"\)$/],
    ['LOG_LEVEL', 'WARN', /^invalid LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent \(got "WARN"\)$/],
    ['MANAGEMENT_PORT', '0', /^invalid MANAGEMENT_PORT: must be >= 1/],
    ['VERSION', 'v 1', /^invalid VERSION: must be v and 1 to 9 digits/],
    ['LOG_LEVEL', 'loud', /^invalid LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)$/],
    ['PREFERENCE_URL', 'preference:8080', /^invalid PREFERENCE_URL: must be an http\(s\) origin/],
    ['PREFERENCE_URL', 'http://preference:8080/api', /^invalid PREFERENCE_URL: must be an http\(s\) origin/],
    ['DOWNSTREAM_TIMEOUT_MS', '-5', /^invalid DOWNSTREAM_TIMEOUT_MS: must be >= 0/],
    ['SHUTDOWN_DELAY_MS', '5s', /^invalid SHUTDOWN_DELAY_MS: must be integer/],
    ['PROPAGATE_HEADERS', 'x-a,,x-b', /^invalid PROPAGATE_HEADERS: must be a comma-separated list of header names/],
    ['HOSTNAME', "pod 'x'", /^invalid HOSTNAME: must not contain spaces or quotes/],
  ];
  for (const [variable, value, expected] of bad) {
    it(`rejects ${variable}=${JSON.stringify(value)} with one line naming it`, () => {
      assert.throws(
        () => loadConfig(customer, { HOSTNAME: 'pod', [variable]: value }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, expected);
          assert.ok(!error.message.includes('\n'), 'one line');
          return true;
        },
      );
    });
  }

  it('rejects a management port equal to the public port', () => {
    assert.throws(
      () => loadConfig(leaf, { HOSTNAME: 'x', PORT: '9000' }),
      /^ConfigError: invalid MANAGEMENT_PORT: must differ from PORT \(both 9000\)$/,
    );
  });

  it('names every bad variable at once, in one line, in the order of the env table', () => {
    assert.throws(
      () => loadConfig(customer, { HOSTNAME: 'pod', LOG_LEVEL: 'chatty', PORT: 'eighty', PREFERENCE_URL: 'ftp://x' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(
          error.message,
          'invalid PORT: must be integer (got "eighty"); ' +
            'invalid LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "chatty"); ' +
            'invalid PREFERENCE_URL: must be an http(s) origin like http://preference:8080 (no path, query or spaces) (got "ftp://x")',
        );
        return true;
      },
    );
  });

  it('still checks variables against each other when others are bad, and not against a bad one', () => {
    assert.throws(
      () => loadConfig(leaf, { HOSTNAME: 'x', LOG_LEVEL: 'loud', PORT: '9000', FAULT_DELAY_MS: '500', FAULT_DELAY_MAX_MS: '10' }),
      /^ConfigError: invalid LOG_LEVEL: .*; invalid MANAGEMENT_PORT: must differ from PORT \(both 9000\); invalid FAULT_DELAY_MAX_MS: must be >= FAULT_DELAY_MS \(got 10 < 500\)$/,
    );
    // PORT is wrong itself: whether MANAGEMENT_PORT (default 9000) differs from it cannot be judged, so only PORT is named.
    assert.throws(
      () => loadConfig(leaf, { HOSTNAME: 'x', PORT: '9000x', MANAGEMENT_PORT: '8080' }),
      /^ConfigError: invalid PORT: must be integer \(got "9000x"\)$/,
    );
  });

  it('takes SHADOW_PORT when it differs from both ports, and leaves it unset by default', () => {
    assert.equal(loadConfig(leaf, { HOSTNAME: 'x', SHADOW_PORT: '8090' }).shadowPort, 8090);
    assert.equal(loadConfig(leaf, { HOSTNAME: 'x' }).shadowPort, undefined);
    assert.throws(
      () => loadConfig(leaf, { HOSTNAME: 'x', SHADOW_PORT: '8080' }),
      /^ConfigError: invalid SHADOW_PORT: must differ from PORT and MANAGEMENT_PORT \(got 8080\)$/,
    );
    assert.throws(() => loadConfig(leaf, { HOSTNAME: 'x', SHADOW_PORT: '70000' }), /^ConfigError: invalid SHADOW_PORT: must be <= 65535/);
  });
});
