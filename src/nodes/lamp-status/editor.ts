// Editor definition of the `lamp-status` node. Transpiled by scripts/build.mjs into a plain
// <script> in nodes/lamp-status.html; keep registerType's arguments literal so the Flow
// Library scorecard can read them.

interface LampStatusProps {
  name: string;
  device: string;
  outlet: string;
  child: string;
  interval: number;
  output: 'state' | 'on';
  powerThreshold: string;
}

RED.nodes.registerType<LampStatusProps>('lamp-status', {
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
    interval: {
      value: 10,
      required: true,
      // undefined: a flow written without the property; the runtime then uses the default.
      validate: (v: unknown) => {
        const n = Number(v);
        return v === undefined || (String(v).trim() !== '' && Number.isFinite(n) && n >= 0);
      },
    },
    output: {
      value: 'state',
      validate: (v: unknown) => v === undefined || v === 'state' || v === 'on',
    },
    // Blank: power counts in whole watts, as before the property existed.
    powerThreshold: {
      value: '',
      validate: (v: unknown) => {
        if (v === undefined || String(v).trim() === '') return true;
        const n = Number(v);
        return Number.isFinite(n) && n >= 0;
      },
    },
  },
  inputs: 1,
  outputs: 1,
  icon: 'lamp-control-status.svg',
  paletteLabel: function () {
    return this._('lamp-status.paletteLabel');
  },
  // Its own name, else "status: Desk lamp" after the device, else "lamp status".
  label: function () {
    if (this.name) return this.name;
    const device = RED.nodes.node(this.device) as { name?: string; host?: string } | null;
    const named = device ? device.name || device.host : '';
    const part = this.child || this.outlet;
    const target = named && part ? `${named} › ${part}` : named;
    return target
      ? this._('lamp-status.label.of', { device: target })
      : this._('lamp-status.paletteLabel');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function () {
    return this._('lamp-status.inputLabel');
  },
  outputLabels: function () {
    return this._(
      this.output === 'on' ? 'lamp-status.outputLabel.on' : 'lamp-status.outputLabel.state',
    );
  },
  oneditprepare: function () {
    window.lampControlTargetPicker?.((key, vars) => this._(`lamp-status.${key}`, vars));
    // Flows written without these properties get the runtime's defaults.
    if (!this.output) $('#node-input-output').val('state');
    if (this.interval === undefined || String(this.interval) === '') {
      $('#node-input-interval').val(10);
    }
  },
});
