// The dashboard's page: one EventSource, and the DOM built with textContent only. Every value
// comes from the fleet's records (written by any instance) and is shown as text, never as markup.
'use strict';

(function dashboard() {
  const byId = (id) => document.getElementById(id);
  let latest = null;
  let receivedAt = 0;

  /** An element with `text` as its text (never parsed as HTML). */
  function element(tag, text, attributes) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    return node;
  }

  function row(cells, attributes) {
    const tr = element('tr', null, attributes);
    for (const [field, text] of cells) tr.append(element('td', text, { 'data-field': field }));
    return tr;
  }

  function formatAge(ms) {
    if (ms === null || ms === undefined) return '?';
    const seconds = Math.max(0, Math.floor(ms / 1000));
    const two = (n) => String(n).padStart(2, '0');
    if (seconds < 60) return `${seconds}s`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)}m${two(seconds % 60)}s`;
    const hours = Math.floor(seconds / 3600);
    if (hours < 24) return `${hours}h${two(Math.floor(seconds / 60) % 60)}m`;
    return `${Math.floor(hours / 24)}d${hours % 24}h`;
  }

  const errorText = (error) => (error ? `${error.code}: ${error.message}` : '');

  function setConnection(state, text) {
    const indicator = byId('connection');
    indicator.dataset.state = state;
    indicator.textContent = text;
  }

  function renderFleet(snapshot) {
    byId('key').textContent = snapshot.key;
    byId('published').textContent = snapshot.publishedRevision ?? '(nothing published)';
    const counts = byId('counts');
    counts.replaceChildren(
      ...Object.entries(snapshot.counts).map(([state, count]) =>
        element('li', `${state}: ${count}`, { 'data-state': state }),
      ),
    );
    byId('revisions').tBodies[0].replaceChildren(
      ...snapshot.revisions.map((entry) =>
        row([
          ['revision', entry.revision],
          ['count', entry.count],
        ]),
      ),
    );
    byId('fleet').tBodies[0].replaceChildren(
      ...snapshot.rows.map((instance) =>
        row(
          [
            ['instance', instance.instanceId],
            ['host', instance.hostname],
            ['labels', instance.labels || '-'],
            ['version', instance.version],
            ['revision', instance.revision],
            ['variant', instance.variant],
            ['state', instance.state],
            ['error', errorText(instance.error)],
            ['age', formatAge(instance.ageMs)],
          ],
          { 'data-instance': instance.instanceId, 'data-state': instance.state },
        ),
      ),
    );
    byId('no-instances').hidden = snapshot.rows.length > 0;
    byId('banner').hidden = snapshot.banner.length === 0;
    byId('banner-list').replaceChildren(
      ...snapshot.banner.map((difference) =>
        element('li', `${difference.instanceId} (${difference.why}): ${difference.detail}`, {
          'data-why': difference.why,
          'data-instance': difference.instanceId,
        }),
      ),
    );
  }

  function diffLine(change) {
    const show = (value) => (value === undefined ? '(absent)' : JSON.stringify(value));
    if (change.oldValue === undefined) return `+ ${change.path}: ${show(change.newValue)}`;
    if (change.newValue === undefined) return `- ${change.path}: ${show(change.oldValue)}`;
    return `~ ${change.path}: ${show(change.oldValue)} -> ${show(change.newValue)}`;
  }

  function renderCanary(snapshot) {
    const canary = snapshot.canary;
    byId('canary').hidden = canary === null;
    byId('canary-problem').hidden = !snapshot.canaryProblem;
    byId('canary-problem').textContent = snapshot.canaryProblem || '';
    if (canary === null) return;
    byId('canary-id').textContent = canary.id;
    byId('canary-summary').textContent =
      `for ${canary.match} (base revision ${canary.baseRevision}, ` +
      `record at revision ${canary.modRevision}, created ${canary.createdAt})`;
    const aborted = byId('canary-aborted');
    aborted.hidden = !canary.aborted;
    aborted.textContent = canary.aborted
      ? `aborted by ${canary.aborted.by} at ${canary.aborted.at}: ${errorText(canary.aborted.error)}`
      : '';
    byId('canary-members').tBodies[0].replaceChildren(
      ...canary.members.map((member) =>
        row(
          [
            ['instance', member.instanceId],
            ['state', member.state],
            ['error', errorText(member.error)],
          ],
          { 'data-instance': member.instanceId, 'data-state': member.state },
        ),
      ),
    );
    byId('canary-diff').replaceChildren(
      ...(canary.diff.length === 0
        ? [element('li', 'no changes')]
        : canary.diff.map((change) => element('li', diffLine(change)))),
    );
  }

  function renderTrials(snapshot) {
    byId('trials').hidden = snapshot.trials.length === 0;
    byId('trial-list').replaceChildren(
      ...snapshot.trials.map((trial) => {
        const box = element('div', null, { 'data-trial': trial.id });
        box.append(element('h3', `trial ${trial.id}`));
        const list = element('ul');
        for (const answer of trial.answers) {
          const why = answer.error ? ` (${errorText(answer.error)})` : '';
          list.append(element('li', `${answer.instanceId}: ${answer.state}${why}`));
        }
        box.append(list);
        return box;
      }),
    );
  }

  /** Keeps each list's choice when the revisions change (a new one on top). */
  function fillRevisions(select, revisions, preferred) {
    const chosen = select.value || preferred;
    select.replaceChildren(
      ...revisions.map((revision) => element('option', revision, { value: revision })),
    );
    if (revisions.includes(chosen)) select.value = chosen;
  }

  function renderHistory(snapshot) {
    const revisions = snapshot.history;
    fillRevisions(byId('diff-from'), revisions, revisions[1]);
    fillRevisions(byId('diff-to'), revisions, revisions[0]);
    byId('show-diff').disabled = revisions.length < 2;
  }

  async function showDiff() {
    const list = byId('history-diff');
    const query = new URLSearchParams({ from: byId('diff-from').value, to: byId('diff-to').value });
    try {
      const response = await fetch(`/diff?${query}`);
      if (!response.ok) {
        list.replaceChildren(element('li', await response.text()));
        return;
      }
      const { changes } = await response.json();
      list.replaceChildren(
        ...(changes.length === 0
          ? [element('li', 'no changes')]
          : changes.map((change) => element('li', diffLine(change)))),
      );
    } catch (error) {
      list.replaceChildren(element('li', `no answer (${error})`));
    }
  }

  function render(snapshot) {
    renderFleet(snapshot);
    renderHistory(snapshot);
    renderCanary(snapshot);
    renderTrials(snapshot);
    byId('actions').hidden = !snapshot.actions;
    if (snapshot.etcdConnected) setConnection('connected', 'connected');
    else setConnection('degraded', 'etcd not answering: showing the last state read');
  }

  /** Ages grow between snapshots: counted on from when the last one arrived. */
  function refreshAges() {
    if (!latest) return;
    const elapsed = Date.now() - receivedAt;
    const cells = byId('fleet').querySelectorAll('td[data-field="age"]');
    latest.rows.forEach((instance, index) => {
      if (cells[index] && instance.ageMs !== null) {
        cells[index].textContent = formatAge(instance.ageMs + elapsed);
      }
    });
  }

  async function act(action, question, body) {
    if (!window.confirm(question)) return;
    const result = byId('action-result');
    result.textContent = `${action}…`;
    try {
      const response = await fetch(`/actions/${action}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-dashboard-token': byId('token').value.trim(),
        },
        body: JSON.stringify(body),
      });
      const outcome = await response.json();
      const lines = outcome.lines || [outcome.message];
      result.textContent = `${action}: ${outcome.ok ? 'done' : 'refused'}\n${lines.join('\n')}`;
    } catch (error) {
      result.textContent = `${action}: no answer (${error})`;
    }
  }

  function wireActions() {
    byId('show-diff').addEventListener('click', () => void showDiff());
    byId('promote').addEventListener('click', () =>
      act('promote', 'Promote the canary: publish its candidate to the whole fleet?', {}),
    );
    byId('abort').addEventListener('click', () =>
      act('abort', 'Abort the canary: every member goes back to the base?', {}),
    );
    byId('rollback').addEventListener('click', () => {
      const to = byId('rollback-to').value.trim();
      const target = to ? `revision ${to}` : 'the value before the current one';
      act('rollback', `Roll the key back to ${target}?`, to ? { to } : {});
    });
  }

  function connect() {
    const events = new EventSource('/events');
    events.addEventListener('snapshot', (event) => {
      latest = JSON.parse(event.data);
      receivedAt = Date.now();
      render(latest);
    });
    // EventSource reconnects by itself; until then the page says it shows old news.
    events.addEventListener('error', () => setConnection('disconnected', 'disconnected'));
  }

  wireActions();
  connect();
  setInterval(refreshAges, 1000);
})();
