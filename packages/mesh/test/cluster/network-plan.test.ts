// The node's network as commands, the refusal to build it over another owner's routes, and the address arithmetic under both.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cidrsOverlap, clashingRoutes, ipToNumber, NODE_SYSCTLS, networkCommands, parseCidr } from '../../src/cluster/network.ts';
import { testClusterConfig } from './test-config.ts';

const config = testClusterConfig();

describe('network plan', () => {
  it("builds the node's namespace and bridge first, then the host's leg, then the Service routes", () => {
    const commands = networkCommands(config).map((args) => args.join(' '));
    assert.equal(commands[0], 'netns add mdtest-node');
    assert.ok(commands.includes('-n mdtest-node addr add 10.247.0.2/16 dev mdtestbr0'));
    assert.ok(commands.includes('link add mdtest0 type veth peer name host netns mdtest-node'));
    assert.ok(commands.includes('addr add 10.247.0.1/16 dev mdtest0'));
    assert.ok(commands.indexOf('link set mdtest0 up') < commands.indexOf('route add 10.98.0.0/16 via 10.247.0.2 dev mdtest0'));
    assert.equal(commands.at(-1), '-n mdtest-node route add 10.98.0.0/16 dev mdtestbr0');
  });

  it("forwards and hands bridged frames to iptables in the node's namespace", () => {
    assert.ok(NODE_SYSCTLS.includes('net.ipv4.ip_forward=1'));
    assert.ok(NODE_SYSCTLS.includes('net.bridge.bridge-nf-call-iptables=1'));
  });

  it('reads CIDRs and tells when two overlap', () => {
    assert.deepEqual(parseCidr('10.247.3.4/16'), { first: 0x0af70000, size: 65536 });
    assert.equal(cidrsOverlap('10.0.0.0/8', '10.247.0.0/16'), true);
    assert.equal(cidrsOverlap('10.247.5.0/24', '10.247.0.0/16'), true);
    assert.equal(cidrsOverlap('10.244.0.0/16', '10.247.0.0/16'), false);
    assert.equal(cidrsOverlap('10.98.0.7', '10.98.0.0/16'), true);
    assert.throws(() => parseCidr('10.1.0.0/40'), /not an IPv4 CIDR/);
  });

  it('finds routes into our subnets through another interface, ignoring the default route and our own link', () => {
    const routes = [
      'default via 192.0.2.1 dev eth0',
      '10.244.0.0/16 dev meshdemo0 proto kernel scope link src 10.244.0.1',
      '10.247.0.0/16 dev mdtest0 proto kernel scope link src 10.247.0.1',
      '10.98.0.0/16 via 10.247.0.2 dev mdtest0',
      '10.0.0.0/8 dev tun0 scope link',
      '10.98.3.0/24 dev docker0',
      '192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2',
    ].join('\n');
    assert.deepEqual(clashingRoutes(routes, config), ['10.0.0.0/8 dev tun0 scope link', '10.98.3.0/24 dev docker0']);
  });
});

const octets = (a: number, b: number, c: number, d: number) => a * 256 ** 3 + b * 256 ** 2 + c * 256 + d;

describe('ipToNumber', () => {
  it('reads a dotted quad as a big-endian unsigned 32-bit number', () => {
    assert.equal(ipToNumber('10.244.1.7'), octets(10, 244, 1, 7));
    assert.equal(ipToNumber('0.0.0.0'), 0);
    // The top bit set must not turn the number negative (a signed << would).
    assert.equal(ipToNumber('192.168.0.1'), octets(192, 168, 0, 1));
    assert.equal(ipToNumber('255.255.255.255'), 2 ** 32 - 1);
  });

  it('rejects what is not four octets of 0-255', () => {
    for (const bad of ['', '10.244.1', '10.244.1.1.1', '10.244.1.256', '10.-1.0.1', '10.244.1.x', 'localhost', '10.244.1.1/16']) {
      assert.throws(() => ipToNumber(bad), { message: `not an IPv4 address: ${bad}` }, bad);
    }
  });

  it('rejects an empty octet instead of reading it as 0', () => {
    assert.throws(() => ipToNumber('10.244.1.'), /not an IPv4 address/);
  });
});
