// A tiny element builder. Text goes in as text nodes, never as HTML; the few places that insert
// HTML (rendered markdown, search snippets) do so explicitly with sanitized or escaped markup.
type Attrs = Record<string, string | number | boolean | null | undefined>;
type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = String(value);
    else if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A 16×16 stroke icon from path data; hidden from screen readers (the button carries the label). */
export function icon(paths: readonly string[]): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'icon');
  for (const d of paths) {
    const p = document.createElementNS(SVG_NS, 'path');
    p.setAttribute('d', d);
    svg.append(p);
  }
  return svg;
}

/** A button with an icon and an accessible name (shown as a tooltip too). */
export function iconButton(label: string, paths: readonly string[], attrs: Attrs = {}): HTMLButtonElement {
  const b = el('button', { type: 'button', class: 'icon-btn', 'aria-label': label, title: label, ...attrs });
  b.append(icon(paths));
  return b;
}

/**
 * The raw output behind an error (a tool's exit lines), folded under "Details": closed until the
 * user opens it, kept as text (never HTML), in a scrollable block so it never widens the panel.
 */
export function detailsDisclosure(text: string | null | undefined): HTMLDetailsElement | null {
  const t = (text ?? '').trim();
  if (!t) return null;
  return el('details', { class: 'error-details' }, el('summary', { text: 'Details' }), el('pre', { class: 'error-details-text', text: t }));
}
