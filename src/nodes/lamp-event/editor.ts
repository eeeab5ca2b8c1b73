// Editor definition of the `lamp-event` node. Transpiled by scripts/build.mjs into a plain
// <script> in nodes/lamp-event.html; keep registerType's arguments literal so the Flow
// Library scorecard can read them.

interface LampEventProps {
  name: string;
  device: string;
  child: string;
  events: string;
  interval: number | string;
}

RED.nodes.registerType<LampEventProps>('lamp-event', {
  category: 'lamp control',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    device: { value: '', type: 'klap-device', required: true },
    // Empty: every child of the hub. A name or an id: that child only.
    child: { value: '' },
    // Empty: every event. Otherwise names separated by commas, e.g. "singleClick, doubleClick".
    events: {
      value: '',
      validate: (v: unknown) =>
        v === undefined || /^[\s,]*([A-Za-z][A-Za-z0-9_]*[\s,]*)*$/.test(String(v)),
    },
    // Seconds between reads of the hub's logs: at least 0.5 (the hub answers a few requests a
    // second at most, and presses arrive within one interval anyway).
    interval: {
      value: 1,
      required: true,
      validate: (v: unknown) => {
        const n = Number(v);
        return v === undefined || (String(v).trim() !== '' && Number.isFinite(n) && n >= 0.5);
      },
    },
  },
  inputs: 0,
  outputs: 1,
  icon: 'lamp-control-event.svg',
  paletteLabel: function () {
    return this._('lamp-event.paletteLabel');
  },
  // Its own name, else "events: Hub › Button", else "lamp event".
  label: function () {
    if (this.name) return this.name;
    const device = RED.nodes.node(this.device) as { name?: string; host?: string } | null;
    const named = device ? device.name || device.host : '';
    const target = named && this.child ? `${named} › ${this.child}` : named;
    return target
      ? this._('lamp-event.label.of', { device: target })
      : this._('lamp-event.paletteLabel');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('lamp-event.outputLabel');
  },
  oneditprepare: function () {
    window.lampControlTargetPicker?.((key, vars) => this._(`lamp-event.${key}`, vars));
    if (this.interval === undefined || String(this.interval) === '') {
      $('#node-input-interval').val(1);
    }
  },
});
