/**
 * A poll's multipleRequest reply, read as text: where its first response ends and where its
 * response list ends. A metering plug's poll reply changes every second in its meter part
 * alone (the meter reports the device's clock), so when the text before and after that part is
 * as before, only the part in between needs parsing; the first response's parse is re-used.
 *
 * Only compact JSON (as devices send it) is split; anything else is simply parsed whole.
 */

/** The reply's text up to and including the comma after its first response, and after its list. */
export interface BatchReplyParts {
  head: string;
  tail: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** The index of the quote that closes the string opened at `open`; -1 if it never closes. */
function stringEnd(text: string, open: number): number {
  for (let at = text.indexOf('"', open + 1); at >= 0; at = text.indexOf('"', at + 1)) {
    let slashes = 0;
    for (let k = at - 1; text.charCodeAt(k) === BACKSLASH; k--) slashes++;
    if (slashes % 2 === 0) return at;
  }
  return -1;
}

/** The index of the `[` of the envelope's result.responses list, or -1. */
function listStart(text: string): number {
  let depth = 0;
  let inResult = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end < 0) return -1;
      if (text.charCodeAt(end + 1) === COLON) {
        if (depth === 1 && text.startsWith('"result":{', i)) inResult = true;
        else if (depth === 2 && inResult && text.startsWith('"responses":[', i)) return end + 2;
      }
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth < 2) inResult = false;
    }
  }
  return -1;
}

/**
 * The head and tail of `text`, a reply whose parse is `reply`; undefined when the reply holds
 * fewer than two responses or its text is not laid out as expected.
 */
export function splitBatchReply(text: string, reply: unknown): BatchReplyParts | undefined {
  const responses = responsesOf(reply);
  if (!responses || responses.length < 2) return undefined;
  const list = listStart(text);
  if (list < 0) return undefined;
  let depth = 0;
  let firstEnd = -1;
  let count = 1;
  let i = list + 1;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return undefined;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 0) break; // the list's own closing bracket
      depth--;
    } else if (c === COMMA && depth === 0) {
      if (firstEnd < 0) firstEnd = i;
      count++;
    }
  }
  if (i >= text.length || firstEnd < 0 || count !== responses.length) return undefined;
  return { head: text.slice(0, firstEnd + 1), tail: text.slice(i) };
}

/**
 * The parse of `text` built from `previous` (the parse of the text `parts` were split from),
 * when `text` differs from it only between head and tail; undefined otherwise. The first
 * response is the very object `previous` holds.
 */
export function reparseBatchReply(
  previous: unknown,
  parts: BatchReplyParts,
  text: string,
): unknown | undefined {
  const { head, tail } = parts;
  if (text.length <= head.length + tail.length) return undefined;
  // Compared as slices: V8 compares whole strings by memory, but startsWith char by char.
  if (text.slice(0, head.length) !== head) return undefined;
  if (text.slice(text.length - tail.length) !== tail) return undefined;
  let rest: unknown;
  try {
    rest = JSON.parse(`[${text.slice(head.length, text.length - tail.length)}]`);
  } catch {
    return undefined;
  }
  const responses = responsesOf(previous);
  if (!Array.isArray(rest) || !responses) return undefined;
  const envelope = previous as { result: Record<string, unknown> };
  return { ...envelope, result: { ...envelope.result, responses: [responses[0], ...rest] } };
}

function responsesOf(reply: unknown): unknown[] | undefined {
  const result = (reply as { result?: unknown } | null)?.result;
  const responses = (result as { responses?: unknown } | null | undefined)?.responses;
  return Array.isArray(responses) ? responses : undefined;
}
