// The address plan: dotted quads to numbers and back, and the pools that hand out pod IPs and Service VIPs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressPool, HOST_IP, ISTIOD_IP, numberToIp, podAddresses, serviceAddresses } from '../src/addresses.ts';
import { ipToNumber } from '../src/cluster/network.ts';

describe('numberToIp', () => {
  it('round-trips every address of the plan and the edges of the number range', () => {
    for (const ip of ['0.0.0.0', '10.244.0.1', '10.244.255.254', '10.96.1.1', '128.0.0.0', '172.16.254.3', '255.255.255.255']) {
      assert.equal(numberToIp(ipToNumber(ip)), ip);
    }
    for (const value of [0, 1, 255, 256, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1]) assert.equal(ipToNumber(numberToIp(value)), value);
  });
});

describe('AddressPool', () => {
  // Four usable addresses around a /24 boundary: .253 .254 (.255 and .0 skipped) .1 .2
  const tiny = () => new AddressPool(ipToNumber('10.0.0.253'), ipToNumber('10.0.1.2'));

  it('hands out addresses in order, skipping .255 and .0', () => {
    const pool = tiny();
    const none = new Set<string>();
    assert.deepEqual(
      [pool.allocate(none), pool.allocate(none), pool.allocate(none), pool.allocate(none)],
      ['10.0.0.253', '10.0.0.254', '10.0.1.1', '10.0.1.2'],
    );
  });

  it('never hands out an address that is in use', () => {
    const pool = tiny();
    const inUse = new Set(['10.0.0.253', '10.0.1.1']);
    const first = pool.allocate(inUse);
    inUse.add(first);
    const second = pool.allocate(inUse);
    assert.deepEqual([first, second], ['10.0.0.254', '10.0.1.2']);
  });

  it('starts after the last address given and wraps around to the start of the range', () => {
    const pool = tiny();
    const none = new Set<string>();
    for (let i = 0; i < 4; i++) pool.allocate(none);
    assert.equal(pool.allocate(none), '10.0.0.253');
    // A freed address is not reused before the ones after it: the next after .253 is .254 even though .253 is free again.
    assert.equal(pool.allocate(none), '10.0.0.254');
  });

  it('wraps past the end to find the one free address left', () => {
    const pool = tiny();
    const none = new Set<string>();
    pool.allocate(none);
    pool.allocate(none);
    pool.allocate(none);
    // Next up is .1.2; only .253 is free.
    assert.equal(pool.allocate(new Set(['10.0.0.254', '10.0.1.1', '10.0.1.2'])), '10.0.0.253');
  });

  it('throws, naming the range, when every address is in use', () => {
    const pool = tiny();
    const all = new Set(['10.0.0.253', '10.0.0.254', '10.0.1.1', '10.0.1.2']);
    assert.throws(() => pool.allocate(all), { message: 'address range 10.0.0.253-10.0.1.2 is exhausted' });
  });

  it('throws for a range that holds only .0 and .255', () => {
    const pool = new AddressPool(ipToNumber('10.0.0.255'), ipToNumber('10.0.1.0'));
    assert.throws(() => pool.allocate(new Set()), /exhausted/);
  });

  it('the pod pool gives bridge addresses other than the host and istiod, the Service pool addresses off the bridge', () => {
    const pods = podAddresses();
    const first = pods.allocate(new Set());
    assert.match(first, /^10\.244\./);
    assert.notEqual(first, HOST_IP);
    assert.notEqual(first, ISTIOD_IP);
    const vip = serviceAddresses().allocate(new Set());
    assert.doesNotMatch(vip, /^10\.244\./);
    assert.notEqual(vip, first);
  });
});
