// The buttons: each confirmed, each sent with the token the operator pasted (kept in this page
// only; no cookie). The server refuses any of them without it.
import { byId } from './dom.js';

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

export function wireActions() {
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
