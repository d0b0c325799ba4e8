// The key's history: two lists of revisions and the redacted diff the dashboard computes.
import { byId, diffLine, element } from './dom.js';

/** Keeps each list's choice when the revisions change (a new one on top). */
function fillRevisions(select, revisions, preferred) {
  const chosen = select.value || preferred;
  select.replaceChildren(
    ...revisions.map((revision) => element('option', revision, { value: revision })),
  );
  if (revisions.includes(chosen)) select.value = chosen;
}

export function renderHistory(snapshot) {
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

export function wireHistory() {
  byId('show-diff').addEventListener('click', () => void showDiff());
}
