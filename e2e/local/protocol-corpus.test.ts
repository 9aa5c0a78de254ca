// The ambiguous-request corpus against a real process's three listeners (public, shadow, management): each case gets its
// status and a closed connection from the layer the corpus names, and none reaches a route.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LocalServices, startLocalServices } from '@mesh-demo/devtools';
import { freePort } from '@mesh-demo/workspace';
import { get } from '../support/http.ts';
import { CORPUS, layerOf } from '../support/protocol-corpus.ts';
import { rawExchange } from '../support/raw.ts';

/** mesh_demo_hits_total of recommendation, live and shadow together: what a request that reached GET / would move. */
async function hits(chain: LocalServices): Promise<number> {
  const metrics = (await get(`${chain.managementUrl('recommendation')}/metrics`)).body;
  return [...metrics.matchAll(/^mesh_demo_hits_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('ambiguous requests on every listener', () => {
  let chain: LocalServices;
  let listeners: { name: string; port: number; path: string }[];
  before(async () => {
    const shadowPort = await freePort();
    chain = await startLocalServices({ only: ['recommendation'], envFor: { recommendation: { SHADOW_PORT: String(shadowPort) } } });
    const port = (url: string) => Number(new URL(url).port);
    listeners = [
      { name: 'public', port: port(chain.url('recommendation')), path: '/' },
      { name: 'shadow', port: shadowPort, path: '/' },
      { name: 'management', port: port(chain.managementUrl('recommendation')), path: '/health/live' },
    ];
  });
  after(() => chain?.stopAll());

  it('holds at least 20 cases, each naming an RFC section, an answer and the layer that refuses it', () => {
    assert.ok(CORPUS.length >= 20, `${CORPUS.length} cases`);
    assert.equal(new Set(CORPUS.map((c) => c.name)).size, CORPUS.length, 'case names are unique');
    for (const c of CORPUS) assert.match(c.rule, /^RFC 911[02] §\d+(\.\d+)*$/, c.name);
  });

  it('a well-formed request on each listener reaches its route, is answered 200 and keeps its connection (the control)', async () => {
    const before = await hits(chain);
    for (const l of listeners) {
      const answer = await rawExchange(l.port, `GET ${l.path} HTTP/1.1\r\nHost: recommendation:8080\r\n\r\n`, 1000);
      assert.equal(answer.status, 200, `${l.name}: ${answer.text}`);
      assert.equal(answer.closedByServer, false, `${l.name} closed a well-formed keep-alive request's connection`);
    }
    assert.equal(await hits(chain), before + 2, 'the public and shadow GET / each count a hit');
  });

  for (const c of CORPUS) {
    it(`${c.name} (${c.rule}): ${c.status} from ${c.layer === 'kit' ? "the kit's check" : "Node's parser"}, connection closed`, async () => {
      for (const l of listeners) {
        const answer = await rawExchange(l.port, c.request(l.path, 'recommendation:8080'));
        assert.equal(answer.status, c.status, `${l.name}: ${JSON.stringify(answer.text)}`);
        assert.equal(answer.closedByServer, true, `${l.name} kept the connection open after refusing`);
        assert.equal(layerOf(answer.text), c.layer, `${l.name}: refused by another layer: ${JSON.stringify(answer.text)}`);
        assert.equal(answer.text.match(/HTTP\/1\.[01] \d{3} /g)?.length, 1, `${l.name}: one answer only: ${JSON.stringify(answer.text)}`);
      }
    });
  }

  it('no refused request reached a route: the hit counters moved only for the control requests', async () => {
    const now = await hits(chain);
    // The control's two hits are the only ones since start.
    assert.equal(now, 2);
  });
});
