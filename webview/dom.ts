// DOM construction with text only: data from the host is only ever set as textContent or attribute values.

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; text?: string; title?: string; attrs?: Record<string, string> } = {},
  children: (Node | null)[] = [],
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.text !== undefined) e.textContent = props.text;
  if (props.title) e.title = props.title;
  for (const [k, v] of Object.entries(props.attrs ?? {})) e.setAttribute(k, v);
  for (const c of children) if (c) e.appendChild(c);
  return e;
}

export function icon(name: string): HTMLElement {
  return el('span', { class: `codicon codicon-${name}`, attrs: { 'aria-hidden': 'true' } });
}

export function button(iconName: string, label: string, onClick: () => void, id?: string): HTMLButtonElement {
  const b = el('button', { class: 'icon-button', title: label, attrs: { 'aria-label': label, type: 'button', ...(id ? { id } : {}) } }, [icon(iconName)]);
  b.addEventListener('click', onClick);
  return b;
}

/** Coalesces any number of redraw requests into one call of `draw` on the next animation frame. */
export class FrameScheduler {
  private pending = false;
  constructor(private readonly draw: () => void) {}

  schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }
}
