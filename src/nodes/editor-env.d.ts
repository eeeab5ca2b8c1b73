/**
 * Ambient typings for the editor scripts (src/nodes/<type>/editor.ts). They run in the
 * Node-RED editor page, where `RED` and jQuery's `$` are globals. `$`/`JQuery` come from
 * @types/jquery (referenced by @types/node-red__editor-client); this file adds `RED`.
 * Type-checked by tsconfig.editor.json; the build transpiles each editor.ts to a plain script.
 */
import type { EditorRED } from 'node-red__editor-client';

declare global {
  const RED: EditorRED;
}
