// A captured sample's numbers, by path: what a line chart can draw.

import type { JsonValue } from '@viamrobotics/sdk';

/**
 * `{"readings": {"temperature": 21.5, "ok": true}}` → `{temperature: 21.5, ok: 1}`.
 * Nested objects give dotted paths (a movement sensor's
 * `position.coordinate.latitude`); the `readings` wrapper every sensor
 * sample has is dropped; booleans are 0 and 1; strings and lists are not
 * drawn.
 */
export function numbers(data: JsonValue | undefined): Map<string, number> {
  const out = new Map<string, number>();
  const visit = (value: JsonValue | undefined, path: string) => {
    if (typeof value === 'number') out.set(path || 'value', value);
    else if (typeof value === 'boolean') out.set(path || 'value', value ? 1 : 0);
    else if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) {
        const skip = path === '' && key === 'readings';
        visit(inner, skip ? '' : path ? `${path}.${key}` : key);
      }
    }
  };
  visit(data, '');
  return out;
}
