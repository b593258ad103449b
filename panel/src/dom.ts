// A few DOM helpers: the panel is plain TypeScript, no framework.

type Attrs = Record<string, string | number | boolean | undefined>;
type Child = Node | string | null | undefined | false;

/** `h('button', {'data-testid': 'stop'}, 'Stop')` makes an element. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key === 'class') el.className = String(value);
    else if (key === 'testid') el.dataset.testid = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/** A labelled control: `<label>text <input></label>`. */
export function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  return h('label', {}, h('span', { class: 'label' }, text), control);
}

/** The message of anything thrown, gRPC errors included ("[not_found] ..."). */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The gRPC status code of an error, looking into dial()'s `cause` list. */
export function errorCode(error: unknown): number | undefined {
  const seen = new Set<unknown>();
  const visit = (e: unknown): number | undefined => {
    if (e === null || typeof e !== 'object' || seen.has(e)) return undefined;
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    const cause = (e as { cause?: unknown }).cause;
    for (const c of Array.isArray(cause) ? cause : [cause]) {
      const found = visit(c);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(error);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Formats a number for a readout without a wall of digits. */
export function num(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(digits).replace(/\.?0+$/, '');
}

/** The number in an input; throws (for a card's action error) if there is none. */
export function inputNumber(input: HTMLInputElement, what: string): number {
  const value = Number(input.value);
  if (input.value.trim() === '' || !Number.isFinite(value)) throw new Error(`${what} is not a number`);
  return value;
}
