/**
 * How an emulated strip or hub answers a control_child placed inside a parent multipleRequest.
 * No client that runs against real hardware sends that shape and nobody knows what devices do
 * with it (docs/emulator-hubs.md §7), so the emulator offers every plausible answer and, by
 * default, refuses: never more lenient than a device might be.
 */
import { isObject, type Json } from './json';
import {
  type Answer,
  fail,
  JSON_DECODE_FAIL,
  NO_ENTRY,
  runBatch,
  UNKNOWN_METHOD,
} from './smart-envelope';

export type NestedControlChildMode = 'accept' | 'slot-error' | 'missing' | 'top-level' | 'timeout';

export const NESTED_CONTROL_CHILD_MODES: readonly NestedControlChildMode[] = [
  'accept',
  'slot-error',
  'missing',
  'top-level',
  'timeout',
];

/** The code a refused control_child's slot answers ('slot-error'). */
export const NESTED_SLOT_ERROR = UNKNOWN_METHOD;

/** The reply of a batch that gets none ('timeout'): the device keeps silent. */
export const NO_REPLY = Symbol('no reply');

function carriesControlChild(params: unknown): boolean {
  const requests = isObject(params) ? params.requests : undefined;
  return (
    Array.isArray(requests) &&
    requests.some((sub) => isObject(sub) && sub.method === 'control_child')
  );
}

/**
 * A parent multipleRequest run under `mode`:
 * - 'accept': every entry runs, control_child among them;
 * - 'slot-error': a control_child entry answers -1002 and, as after any failing entry, the
 *   later entries get no answer;
 * - 'missing': a control_child entry gets no entry in the reply, the others run;
 * - 'top-level': the whole batch answers -1003;
 * - 'timeout': no answer at all.
 * A batch without control_child runs as always.
 */
export function runParentBatch(
  mode: NestedControlChildMode,
  params: unknown,
  run: (method: string, params: unknown) => Answer,
): Json | typeof NO_REPLY {
  if (mode === 'accept' || !carriesControlChild(params)) return runBatch(params, run);
  switch (mode) {
    case 'top-level':
      return { error_code: JSON_DECODE_FAIL };
    case 'timeout':
      return NO_REPLY;
    case 'missing':
      return runBatch(params, (m, p) => (m === 'control_child' ? NO_ENTRY : run(m, p)));
    case 'slot-error':
      return runBatch(params, (m, p) =>
        m === 'control_child' ? fail(NESTED_SLOT_ERROR) : run(m, p),
      );
  }
}
