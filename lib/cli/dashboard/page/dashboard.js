// The dashboard's page: one EventSource, each snapshot rendered with text only (the fleet's rows
// kept and updated in place, the smaller parts rebuilt whole).
import { wireActions } from './actions.js';
import { byId, diffLine, element, errorText, row } from './dom.js';
import { FleetRows } from './fleet-rows.js';
import { renderHistory, wireHistory } from './history.js';

const fleetRows = new FleetRows(byId('fleet').tBodies[0]);
let receivedAt = 0;

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
  fleetRows.render(snapshot.rows);
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

const ANSWER_WORDS = { accepted: 'accepted', rejected: 'rejected', unanswered: 'no answer yet' };

/** A trial's line of counts: "for 50%: 3 asked, 1 accepted, 1 rejected, 1 no answer yet". */
function trialSummary(trial) {
  const counts = Object.keys(ANSWER_WORDS)
    .map((state) => [state, trial.answers.filter((answer) => answer.state === state).length])
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${count} ${ANSWER_WORDS[state]}`);
  const whom = trial.match === null ? '' : `for ${trial.match}: `;
  return `${whom}${trial.answers.length} asked${counts.length ? `, ${counts.join(', ')}` : ''}`;
}

function renderTrials(snapshot) {
  byId('trials').hidden = snapshot.trials.length === 0;
  byId('trial-list').replaceChildren(
    ...snapshot.trials.map((trial) => {
      const box = element('div', null, { 'data-trial': trial.id });
      box.append(element('h3', `trial ${trial.id}`));
      box.append(element('p', trialSummary(trial), { class: 'trial-summary' }));
      if (trial.unreadable) {
        box.append(element('p', `unreadable: ${trial.unreadable}`, { class: 'bad' }));
      }
      const list = element('ul');
      for (const answer of trial.answers) {
        const why = answer.error ? ` (${errorText(answer.error)})` : '';
        const line = `${answer.instanceId}: ${ANSWER_WORDS[answer.state] ?? answer.state}${why}`;
        list.append(
          element('li', line, { 'data-instance': answer.instanceId, 'data-state': answer.state }),
        );
      }
      box.append(list);
      return box;
    }),
  );
}

/** Shown only while the fleet runs more than one build (a deploy in progress). */
function renderAppVersions(snapshot) {
  const section = byId('app-versions');
  section.hidden = snapshot.appVersions.length === 0;
  section
    .querySelector('tbody')
    .replaceChildren(
      ...snapshot.appVersions.map((group) =>
        row(
          [
            ['app', group.appVersion ?? '(not said)'],
            ['count', group.count],
            ...Object.entries(group.counts),
          ],
          { 'data-app-version': group.appVersion ?? '' },
        ),
      ),
    );
}

function render(snapshot) {
  renderFleet(snapshot);
  renderAppVersions(snapshot);
  renderHistory(snapshot);
  renderCanary(snapshot);
  renderTrials(snapshot);
  byId('actions').hidden = !snapshot.actions;
}

function showLive(snapshot) {
  if (snapshot.etcdConnected) setConnection('connected', 'connected');
  else setConnection('degraded', 'etcd not answering: showing the last state read');
}

/** The snapshot on the page, and its text: the stream's first one is often the same. */
let latest = null;
let shown = '';

function show(text) {
  if (text !== shown) {
    shown = text;
    latest = JSON.parse(text);
    receivedAt = Date.now();
    render(latest);
  }
  return latest;
}

/**
 * The fleet as the page was served (preloaded with it), painted before the stream connects;
 * the stream connects after it, so that its first snapshot never comes before this one.
 */
async function showFirst() {
  try {
    const response = await fetch('/snapshot.json');
    if (response.ok) show(await response.text());
  } catch {
    // The stream will bring it.
  }
}

function connect() {
  const events = new EventSource('/events');
  events.addEventListener('snapshot', (event) => {
    showLive(show(event.data));
  });
  // EventSource reconnects by itself; until then the page says it shows old news.
  events.addEventListener('error', () => setConnection('disconnected', 'disconnected'));
}

wireActions();
wireHistory();
showFirst().then(connect);
setInterval(() => fleetRows.refreshAges(Date.now() - receivedAt), 1000);
