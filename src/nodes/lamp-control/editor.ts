// Editor definition of the `lamp-control` node. Transpiled by scripts/build.mjs into a plain
// <script> in nodes/lamp-control.html; keep registerType's arguments literal so the Flow
// Library scorecard can read them.

interface LampControlProps {
  name: string;
  device: string;
  outlet: string;
  child: string;
  action: 'payload' | 'on' | 'off' | 'toggle';
}

RED.nodes.registerType<LampControlProps>('lamp-control', {
  category: 'lamp control',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    device: { value: '', type: 'klap-device', required: true },
    // Empty: the device itself. A number, a name or an id names one outlet of a strip.
    outlet: { value: '' },
    // Empty: the device itself (or `outlet`). A name or an id names a device paired to a hub;
    // on a strip a number names an outlet. Flows saved before it existed have none.
    child: { value: '' },
    action: {
      value: 'payload',
      // undefined: a flow written without the property means "from msg.payload".
      validate: (v: unknown) =>
        v === undefined || ['payload', 'on', 'off', 'toggle'].indexOf(String(v)) !== -1,
    },
  },
  inputs: 1,
  outputs: 1,
  icon: 'lamp-control-bulb.svg',
  paletteLabel: function () {
    return this._('lamp-control.paletteLabel');
  },
  // "Hall lamp" (its own name), else the device's name: "Desk lamp", "toggle: Desk lamp".
  label: function () {
    if (this.name) return this.name;
    const device = RED.nodes.node(this.device) as { name?: string; host?: string } | null;
    const named = device ? device.name || device.host : '';
    // "Power strip › 2" for one outlet of a strip.
    const part = this.child || this.outlet;
    const target = named && part ? `${named} › ${part}` : named;
    const fixed = this.action && this.action !== 'payload';
    const action = fixed ? this._('lamp-control.label.' + this.action) : '';
    if (target) return fixed ? `${action}: ${target}` : target;
    return fixed ? action : this._('lamp-control.paletteLabel');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function () {
    return this._('lamp-control.inputLabel');
  },
  outputLabels: function () {
    return this._('lamp-control.outputLabel');
  },
  oneditprepare: function () {
    window.lampControlTargetPicker?.((key, vars) => this._(`lamp-control.${key}`, vars));
    // Flows written without an action (older or hand-made) mean "from msg.payload".
    if (!this.action) $('#node-input-action').val('payload');
  },
});
