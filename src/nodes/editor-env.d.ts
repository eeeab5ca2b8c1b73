/**
 * Ambient typings for the editor scripts (src/nodes/<type>/editor.ts). They run in the
 * Node-RED editor page, where `RED` and jQuery's `$` are globals. `$`/`JQuery` come from
 * @types/jquery (referenced by @types/node-red__editor-client); this file adds `RED`.
 * Type-checked by tsconfig.editor.json; the build transpiles each editor.ts to a plain script.
 */
import type { EditorRED } from 'node-red__editor-client';

declare global {
  const RED: EditorRED;
  interface Window {
    /**
     * Set by klap-device's editor script: fills the outlet and child lists of a lamp-control,
     * lamp-status or lamp-event dialog. `t` looks up that node's `outlets.*` and `children.*`
     * messages.
     */
    lampControlTargetPicker?: (t: (key: string, vars?: Record<string, string>) => string) => void;
  }
}
