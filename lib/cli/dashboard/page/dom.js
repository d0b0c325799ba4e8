// What every part of the page builds its DOM with: text only (textContent), never markup. Every
// value comes from the fleet's records, written by any instance, or from the key's values.

export const byId = (id) => document.getElementById(id);

/** An element with `text` as its text (never parsed as HTML). */
export function element(tag, text, attributes) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  return node;
}

export function row(cells, attributes) {
  const tr = element('tr', null, attributes);
  for (const [field, text] of cells) tr.append(element('td', text, { 'data-field': field }));
  return tr;
}

export function formatAge(ms) {
  if (ms === null || ms === undefined) return '?';
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const two = (n) => String(n).padStart(2, '0');
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${two(seconds % 60)}s`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 24) return `${hours}h${two(Math.floor(seconds / 60) % 60)}m`;
  return `${Math.floor(hours / 24)}d${hours % 24}h`;
}

export const errorText = (error) => (error ? `${error.code}: ${error.message}` : '');

export function diffLine(change) {
  const show = (value) => (value === undefined ? '(absent)' : JSON.stringify(value));
  if (change.oldValue === undefined) return `+ ${change.path}: ${show(change.newValue)}`;
  if (change.newValue === undefined) return `- ${change.path}: ${show(change.oldValue)}`;
  return `~ ${change.path}: ${show(change.oldValue)} -> ${show(change.newValue)}`;
}
