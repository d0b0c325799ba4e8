// The fleet table at a thousand rows: each instance's row is built once (cloned from one
// template) and kept by instance id; a new snapshot writes only the cells whose text changed.
// Rebuilding every row on every snapshot cost more than the rest of the page together.
// Text only, never markup: every value comes from a record any instance writes. Each cell holds
// one Text node whose data is set (as textContent would, without replacing the node each time).
import { errorText, formatAge } from './dom.js';

/** Each column: its field name (the header's order) and the text of an instance's cell. */
const COLUMNS = [
  ['instance', (instance) => instance.instanceId],
  ['host', (instance) => instance.hostname],
  ['labels', (instance) => instance.labels || '-'],
  ['app', (instance) => instance.appVersion ?? '-'],
  ['version', (instance) => String(instance.version)],
  ['revision', (instance) => instance.revision],
  ['variant', (instance) => instance.variant],
  ['state', (instance) => instance.state],
  ['error', (instance) => errorText(instance.error)],
  ['age', (instance) => formatAge(instance.ageMs)],
];
const AGE = COLUMNS.findIndex(([field]) => field === 'age');

/** One row with its cells, `role`s kept: the CSS lays rows out as grids, not table rows. */
function templateRow() {
  const tr = document.createElement('tr');
  tr.setAttribute('role', 'row');
  for (const [field] of COLUMNS) {
    const td = document.createElement('td');
    td.dataset.field = field;
    td.setAttribute('role', 'cell');
    td.append(document.createTextNode(''));
    tr.append(td);
  }
  return tr;
}

export class FleetRows {
  constructor(tbody) {
    this.tbody = tbody;
    this.template = templateRow();
    /** instance id -> { tr, cells (their Text nodes), texts, ageMs } */
    this.rows = new Map();
  }

  /** The table holds `instances`, in their order, each row's cells up to date. */
  render(instances) {
    const next = new Map();
    for (const [index, instance] of instances.entries()) {
      // Two records naming one instance get a row each, as the fleet shows them.
      const id = next.has(instance.instanceId)
        ? `${instance.instanceId}\n${index}`
        : instance.instanceId;
      const row = this.rows.get(id) ?? this.created(instance.instanceId);
      update(row, instance);
      next.set(id, row);
    }
    for (const [id, row] of this.rows) if (!next.has(id)) row.tr.remove();
    this.rows = next;
    this.place();
  }

  /** Puts the rows in order, moving only those out of place (an instance came or went). */
  place() {
    if (!this.tbody.firstChild) {
      // The first paint: every row inserted at once, laid out once.
      const fragment = document.createDocumentFragment();
      for (const row of this.rows.values()) fragment.append(row.tr);
      this.tbody.append(fragment);
      return;
    }
    let cursor = this.tbody.firstChild;
    for (const row of this.rows.values()) {
      if (row.tr === cursor) cursor = cursor.nextSibling;
      else this.tbody.insertBefore(row.tr, cursor);
    }
  }

  /** Ages grow between snapshots: counted on by `elapsedMs` since the last one arrived. */
  refreshAges(elapsedMs) {
    for (const row of this.rows.values()) {
      if (row.ageMs === null || row.ageMs === undefined) continue;
      write(row, AGE, formatAge(row.ageMs + elapsedMs));
    }
  }

  created(instanceId) {
    const tr = this.template.cloneNode(true);
    tr.setAttribute('data-instance', instanceId);
    const cells = [];
    for (let td = tr.firstChild; td; td = td.nextSibling) cells.push(td.firstChild);
    return { tr, cells, texts: [], ageMs: null };
  }
}

function update(row, instance) {
  COLUMNS.forEach(([, textOf], index) => write(row, index, textOf(instance)));
  row.ageMs = instance.ageMs;
  if (row.state !== instance.state) {
    row.state = instance.state;
    row.tr.setAttribute('data-state', instance.state);
  }
}

function write(row, index, text) {
  if (row.texts[index] === text) return;
  row.texts[index] = text;
  row.cells[index].data = text;
}
