// Element builders. Attributes only, never a `style` attribute: the page's Content-Security-Policy
// allows no inline style, and exported SVG must carry its looks in presentation attributes.
const SVG_NS = "http://www.w3.org/2000/svg";

function fill(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** An HTML element. */
export const h = (tag, attrs, ...children) => fill(document.createElement(tag), attrs, children);

/** An SVG element. */
export const s = (tag, attrs, ...children) => fill(document.createElementNS(SVG_NS, tag), attrs, children);

/** Replaces the children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  return fill(el, {}, children);
}

let uid = 0;
/** An id unique in the page (for aria references and SVG patterns). */
export const nextId = (prefix) => `${prefix}-${++uid}`;
