// OTEL_* env parsing: the defaults, the standard overrides, and one-line warnings instead of crashes for bad values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BATCH, parseResourceAttributes, settingsFromEnv, tracingOff } from '../src/settings.ts';

test('with no OTEL_* set, tracing is on: otlp, parentbased_always_on, and W3C plus B3 multi-header propagation', () => {
  const settings = settingsFromEnv({});
  assert.equal(settings.enabled, true);
  assert.equal(settings.exporter, 'otlp');
  assert.equal(settings.sampler, 'parentbased_always_on');
  assert.deepEqual(settings.propagators, ['tracecontext', 'baggage', 'b3multi']);
  assert.deepEqual(settings.batch, DEFAULT_BATCH);
  assert.deepEqual(settings.warnings, []);
});

test('OTEL_TRACES_EXPORTER=none and OTEL_SDK_DISABLED=true both turn tracing off', () => {
  assert.equal(settingsFromEnv({ OTEL_TRACES_EXPORTER: 'none' }).enabled, false);
  assert.equal(settingsFromEnv({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'jaeger' }).enabled, false);
  assert.equal(settingsFromEnv({ OTEL_SDK_DISABLED: 'false' }).enabled, true);
});

test('tracingOff names the setting that turns tracing off, OTEL_SDK_DISABLED first, and nothing while tracing is on', () => {
  assert.equal(tracingOff({ OTEL_SDK_DISABLED: ' TRUE ', OTEL_TRACES_EXPORTER: 'none' }), 'OTEL_SDK_DISABLED=true');
  assert.equal(tracingOff({ OTEL_TRACES_EXPORTER: ' otlp, None ' }), 'OTEL_TRACES_EXPORTER=otlp, None');
  assert.equal(tracingOff({ OTEL_SDK_DISABLED: 'false', OTEL_TRACES_EXPORTER: 'otlp' }), undefined);
  assert.equal(tracingOff({}), undefined);
});

test('jaeger and console are chosen by name, case and spaces ignored', () => {
  assert.equal(settingsFromEnv({ OTEL_TRACES_EXPORTER: ' Jaeger ' }).exporter, 'jaeger');
  assert.equal(settingsFromEnv({ OTEL_TRACES_EXPORTER: 'console' }).exporter, 'console');
});

test('an unknown exporter is named in one warning and the default is used', () => {
  const settings = settingsFromEnv({ OTEL_TRACES_EXPORTER: 'zipkin' });
  assert.equal(settings.exporter, 'otlp');
  assert.equal(settings.enabled, true);
  assert.equal(settings.warnings.length, 1);
  assert.match(settings.warnings[0]!, /OTEL_TRACES_EXPORTER: unknown zipkin/);
});

test('the ratio samplers read OTEL_TRACES_SAMPLER_ARG, and a ratio out of [0, 1] falls back to 1 with a warning', () => {
  const ok = settingsFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' });
  assert.equal(ok.sampler, 'parentbased_traceidratio');
  assert.equal(ok.ratio, 0.01);
  const bad = settingsFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' });
  assert.equal(bad.ratio, 1);
  assert.match(bad.warnings.join('\n'), /OTEL_TRACES_SAMPLER_ARG/);
});

test('an unknown sampler falls back to parentbased_always_on, so the mesh decision is still honoured', () => {
  const settings = settingsFromEnv({ OTEL_TRACES_SAMPLER: 'sometimes' });
  assert.equal(settings.sampler, 'parentbased_always_on');
  assert.match(settings.warnings.join('\n'), /OTEL_TRACES_SAMPLER: unknown "sometimes"/);
});

test('OTEL_PROPAGATORS picks and orders propagators; none means none; unknown names are dropped with a warning', () => {
  assert.deepEqual(settingsFromEnv({ OTEL_PROPAGATORS: 'b3, tracecontext' }).propagators, ['b3', 'tracecontext']);
  assert.deepEqual(settingsFromEnv({ OTEL_PROPAGATORS: 'none' }).propagators, []);
  const odd = settingsFromEnv({ OTEL_PROPAGATORS: 'tracecontext,xray' });
  assert.deepEqual(odd.propagators, ['tracecontext']);
  assert.match(odd.warnings.join('\n'), /xray/);
});

test('OTEL_BSP_* override the batch defaults; a bad number is reported and the default kept', () => {
  const settings = settingsFromEnv({ OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 'lots' });
  assert.equal(settings.batch.scheduledDelayMillis, 200);
  assert.equal(settings.batch.maxExportBatchSize, DEFAULT_BATCH.maxExportBatchSize);
  assert.match(settings.warnings.join('\n'), /OTEL_BSP_MAX_EXPORT_BATCH_SIZE: want a number/);
});

test('OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES', () => {
  assert.equal(settingsFromEnv({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=a' }).serviceName, 'a');
  assert.equal(settingsFromEnv({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=a', OTEL_SERVICE_NAME: 'b' }).serviceName, 'b');
});

test('resource attributes are percent-decoded and malformed pairs are skipped with a warning', () => {
  const warnings: string[] = [];
  assert.deepEqual(parseResourceAttributes('k8s.namespace.name=tutorial, team=a%2Cb,=x,oops', warnings), {
    'k8s.namespace.name': 'tutorial',
    team: 'a,b',
  });
  assert.equal(warnings.length, 2);
});

test('client spans are off unless OTEL_NODE_ENABLED_INSTRUMENTATIONS names undici (and the disabled list does not)', () => {
  assert.equal(settingsFromEnv({}).clientSpans, false);
  assert.equal(settingsFromEnv({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'fastify,undici' }).clientSpans, true);
  assert.equal(
    settingsFromEnv({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'undici', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'undici' }).clientSpans,
    false,
  );
  assert.match(settingsFromEnv({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http' }).warnings.join('\n'), /unknown http/);
  assert.match(settingsFromEnv({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'fastify' }).warnings.join('\n'), /fastify stays on/);
});
