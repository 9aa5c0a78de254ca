// mesh view's page: polls GET /api/graph once a second and draws the graph as plain SVG, plus a table of the edges.
const SVG = 'http://www.w3.org/2000/svg';
const NODE_W = 236;
const NODE_H = 58;
const COLUMN_W = 400;
const ROW_H = 110;
const MARGIN = 30;

const $ = (id) => document.getElementById(id);

function el(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const fixed = (n, digits = 1) => (n >= 100 ? n.toFixed(0) : n.toFixed(digits));
const percent = (ratio) => `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.01 ? 1 : 0)}%`;
const ms = (value) => (value === null ? '–' : value < 10 ? value.toFixed(1) : value.toFixed(0));

/** Error classes, as Kiali colours its edges: none, some, many. */
function health(edge) {
  if (edge.kind === 'mirror') return 'mirror';
  if (edge.kind === 'aborted') return 'aborted';
  return edge.errorRate >= 0.2 ? 'many' : edge.errorRate > 0 ? 'some' : 'ok';
}

/** Positions: one column per hop, the nodes of a column stacked in app then version order. */
function layout(nodes) {
  const columns = new Map();
  for (const node of [...nodes].sort((a, b) => a.app.localeCompare(b.app) || String(a.version).localeCompare(String(b.version)))) {
    if (!columns.has(node.column)) columns.set(node.column, []);
    columns.get(node.column).push(node);
  }
  const tallest = Math.max(1, ...[...columns.values()].map((c) => c.length));
  const height = MARGIN * 2 + tallest * ROW_H;
  const at = new Map();
  for (const [column, list] of columns) {
    const top = (height - list.length * ROW_H) / 2;
    for (const [i, node] of list.entries()) at.set(node.id, { x: MARGIN + column * COLUMN_W, y: top + i * ROW_H + (ROW_H - NODE_H) / 2 });
  }
  const width = MARGIN * 2 + Math.max(0, ...columns.keys()) * COLUMN_W + NODE_W;
  return { at, width, height };
}

/** The box around an app's versions: the target of calls aborted before any version was chosen. */
function groups(nodes, at) {
  const byApp = new Map();
  for (const node of nodes) {
    if (node.kind !== 'workload') continue;
    const p = at.get(node.id);
    const box = byApp.get(node.app) ?? { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity };
    byApp.set(node.app, {
      x1: Math.min(box.x1, p.x - 10),
      y1: Math.min(box.y1, p.y - 22),
      x2: Math.max(box.x2, p.x + NODE_W + 10),
      y2: Math.max(box.y2, p.y + NODE_H + 10),
    });
  }
  return byApp;
}

function drawEdge(svg, edge, from, to, shared) {
  const x1 = from.x + NODE_W;
  const y1 = from.y + NODE_H / 2;
  const x2 = to.x;
  const y2 = to.y;
  const bend = (x2 - x1) / 2;
  const width = 1.5 + Math.min(6, Math.log2(1 + edge.requestsPerSecond));
  svg.append(
    el('path', {
      class: `edge ${health(edge)}`,
      d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`,
      'stroke-width': width,
    }),
  );
  const first = [`${fixed(edge.requestsPerSecond)}/s`];
  if (edge.kind === 'request') first.push(percent(edge.share));
  if (edge.kind === 'mirror') first.push('mirror');
  if (edge.kind === 'aborted') first.push('aborted by fault');
  else if (edge.errorRate > 0) first.push(`err ${percent(edge.errorRate)}`);
  const second = edge.p99Ms === null ? '' : `p50 ${ms(edge.p50Ms)} · p99 ${ms(edge.p99Ms)} ms`;
  // Where the curve runs flat (its ends), so a label never sits on its own curve: by the destination, unless several
  // edges come into that node (then by the source, which the others do not share). Calls aborted by a fault go to the
  // app box's bottom, labelled below.
  const atSource = shared && edge.kind !== 'aborted';
  const x = atSource ? x1 + 12 : x2 - 12;
  const anchor = atSource ? 'start' : 'end';
  const below = edge.kind === 'aborted';
  const endY = atSource ? y1 : y2;
  const y = below ? y2 + 16 : endY - (second ? 22 : 8);
  const label = el('text', {
    class: 'edge-label',
    x,
    y,
    'text-anchor': anchor,
    'data-from': edge.from,
    'data-to': edge.to,
    'data-kind': edge.kind,
  });
  label.append(el('tspan', { x, dy: 0 }, first.join(' · ')));
  if (second) label.append(el('tspan', { x, dy: 14, class: 'latency' }, second));
  svg.append(label);
  const textWidth = label.firstChild.getComputedTextLength();
  if (edge.mtls) svg.append(padlock(atSource ? x + textWidth + 8 : x - textWidth - 18, y - 10));
}

/** A small padlock: the edge's calls went over mutual TLS (drawn, not an emoji: a browser may lack the font). */
function padlock(x, y) {
  const g = el('g', { class: 'padlock', transform: `translate(${x},${y})` });
  g.append(el('title', {}, 'mutual TLS'));
  g.append(el('path', { d: 'M3,5 V3.5 a3,3 0 0 1 6,0 V5', fill: 'none', 'stroke-width': 1.4 }));
  g.append(el('rect', { x: 1, y: 5, width: 10, height: 7, rx: 1.5 }));
  return g;
}

function drawNode(svg, node, p) {
  const g = el('g', { class: `node ${node.kind}`, 'data-id': node.id, transform: `translate(${p.x},${p.y})` });
  g.append(el('rect', { width: NODE_W, height: NODE_H }));
  g.append(el('text', { class: 'title', x: 12, y: 22 }, node.kind === 'ingress' ? 'ingress gateway' : `${node.app} ${node.version}`));
  const pods = `${node.pods} pod${node.pods === 1 ? '' : 's'}`;
  const hits =
    node.kind === 'ingress'
      ? ''
      : ` · ${fixed(node.hitsPerSecond)} hits/s${node.shadowHitsPerSecond > 0 ? ` + ${fixed(node.shadowHitsPerSecond)} shadow` : ''}`;
  g.append(el('text', { class: 'detail', x: 12, y: 42 }, pods + hits));
  svg.append(g);
}

function render(graph) {
  $('step').textContent = graph.step.length ? `step: ${graph.step.join(' + ')}` : 'step: –';
  // The trace UI's search for the step's requests (through the ingress gateway), when a trace UI runs.
  $('step-traces').hidden = !graph.traces;
  if (graph.traces) $('step-traces').href = graph.traces.step;
  $('updated').textContent = `updated ${new Date(graph.at).toLocaleTimeString()}`;
  $('window').textContent = String(graph.windowSeconds);
  const problems = graph.unreadable.map((u) => `${u.pod}: ${u.error}`);
  $('problem').hidden = problems.length === 0;
  $('problem').textContent = problems.length ? `Stats not read from ${problems.join('; ')}` : '';

  const { at, width, height } = layout(graph.nodes);
  const svg = $('graph');
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const boxes = groups(graph.nodes, at);
  for (const [app, b] of boxes) {
    svg.append(el('rect', { class: 'group', x: b.x1, y: b.y1, width: b.x2 - b.x1, height: b.y2 - b.y1 }));
    svg.append(el('text', { class: 'group-label', x: b.x1 + 8, y: b.y1 + 14 }, app));
  }
  const incoming = new Map();
  for (const edge of graph.edges) incoming.set(edge.to, (incoming.get(edge.to) ?? 0) + 1);
  graph.edges.forEach((edge) => {
    const from = at.get(edge.from);
    const box = edge.kind === 'aborted' ? boxes.get(edge.to.split(':')[0]) : undefined;
    const to = box ? { x: box.x1, y: box.y2 - 6 } : at.get(edge.to) && { x: at.get(edge.to).x, y: at.get(edge.to).y + NODE_H / 2 };
    if (from && to) drawEdge(svg, edge, from, to, incoming.get(edge.to) > 1);
  });
  for (const node of graph.nodes) drawNode(svg, node, at.get(node.id));

  const rows = graph.edges.map((edge) => {
    const tr = document.createElement('tr');
    Object.assign(tr.dataset, {
      from: edge.from,
      to: edge.to,
      kind: edge.kind,
      rps: edge.requestsPerSecond,
      share: edge.share,
      errorRate: edge.errorRate,
      mtls: edge.mtls,
    });
    for (const cell of [
      edge.from,
      edge.to,
      edge.kind,
      fixed(edge.requestsPerSecond),
      edge.kind === 'request' ? percent(edge.share) : '–',
      percent(edge.errorRate),
      ms(edge.p50Ms),
      ms(edge.p99Ms),
      edge.mtls ? 'mTLS' : '',
    ]) {
      const td = document.createElement('td');
      td.textContent = cell;
      tr.append(td);
    }
    const link = document.createElement('td');
    if (edge.traces) {
      const a = Object.assign(document.createElement('a'), { href: edge.traces, target: '_blank', rel: 'noopener', textContent: 'traces' });
      link.append(a);
    }
    tr.append(link);
    return tr;
  });
  document.querySelector('#edges tbody').replaceChildren(...rows);
  document.body.dataset.at = String(graph.at);
  document.body.dataset.step = graph.step.join('+');
  document.body.dataset.window = String(graph.windowSeconds);
}

async function poll() {
  try {
    const response = await fetch('api/graph', { cache: 'no-store' });
    if (!response.ok) throw new Error(`${response.status} ${(await response.text()).trim()}`);
    render(await response.json());
  } catch (error) {
    $('problem').hidden = false;
    $('problem').textContent = `mesh view cannot read the graph: ${error.message}`;
  }
  setTimeout(poll, 1000);
}

poll();
