// Calls to the admin JSON API, with the admin token when the sandbox asks for one.
import { h, replace } from './dom.js';

export const BASE = '/__sandbox';
const TOKEN_KEY = 'jenga-sandbox-admin-token';
export const LIST_LIMIT = 200;

export let token = sessionStorage.getItem(TOKEN_KEY) || '';

export function useToken(value) {
  token = value;
  sessionStorage.setItem(TOKEN_KEY, token);
}

export class NeedsToken extends Error {}

export async function api(path, options = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(BASE + path, { method: options.method || 'GET', headers, body, cache: 'no-store' });
  if (response.status === 401) {
    askForToken(token ? 'That token was refused.' : '');
    throw new NeedsToken();
  }
  const text = await response.text();
  let data = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    // not JSON: kept as text
  }
  if (!response.ok) throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
  return data;
}

export function query(params) {
  const pairs = Object.entries(params).filter(([, v]) => v !== '' && v !== null && v !== undefined);
  return pairs.length ? `?${new URLSearchParams(pairs)}` : '';
}

export function showError(container, error) {
  if (error instanceof NeedsToken) return;
  replace(container, h('p', { class: 'error' }, String(error.message || error)));
}

// Off loopback the admin API wants the admin token.
export function askForToken(message) {
  document.getElementById('token-form').hidden = false;
  document.getElementById('view').hidden = true;
  document.getElementById('token-error').textContent = message || '';
}
