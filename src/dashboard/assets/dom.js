// Building the page: elements, SVG drawings, and how values read.

// An XML namespace name, needed to create SVG elements; never fetched.
const SVG_NS = 'http://www.w3.org/2000/svg';

export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(element, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key === 'class') element.setAttribute('class', value);
    else if (key === 'value') element.value = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function replace(element, ...children) {
  element.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const pretty = (value) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));
export const time = (iso) => (iso ? iso.replace('T', ' ').replace('Z', '') : '');
export const statusClass = (status) => `status-${String(status || '')[0] || 'x'}`;

export function badge(text, kind) {
  return h('span', { class: `badge ${kind || ''}` }, text);
}
