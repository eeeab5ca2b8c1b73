/**
 * Colour conversions between the forms users send ("#rrggbb", {r,g,b}, {h,s,v}) and what lamps
 * understand (hue 0–360, saturation 0–100, brightness 1–100). Pure functions; the validating
 * parsers return null instead of throwing so the command grammar can word its own errors.
 */

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** h 0–360, s 0–100, v 0–100 (the units lamps use, not 0–1). */
export interface Hsv {
  h: number;
  s: number;
  v: number;
}

const HEX_COLOR = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i;

/** "#rrggbb" (either case) -> {r,g,b}; null when the string is not exactly that form. */
export function parseHex(text: string): Rgb | null {
  const match = HEX_COLOR.exec(text.trim());
  if (!match) return null;
  return {
    r: Number.parseInt(match[1], 16),
    g: Number.parseInt(match[2], 16),
    b: Number.parseInt(match[3], 16),
  };
}

function isChannel(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255;
}

export function isRgb(value: unknown): value is Rgb {
  if (typeof value !== 'object' || value === null) return false;
  const { r, g, b } = value as Record<string, unknown>;
  return isChannel(r) && isChannel(g) && isChannel(b);
}

/** Lower-case "#rrggbb"; channels are rounded and clamped so any Rgb-ish input is safe. */
export function rgbToHex({ r, g, b }: Rgb): string {
  const channel = (n: number) =>
    Math.min(255, Math.max(0, Math.round(n)))
      .toString(16)
      .padStart(2, '0');
  return `#${channel(r)}${channel(g)}${channel(b)}`;
}

/** RGB -> HSV in lamp units (fractional; callers round where the device needs integers). */
export function rgbToHsv({ r, g, b }: Rgb): Hsv {
  const red = r / 255;
  const green = g / 255;
  const blue = b / 255;
  const max = Math.max(red, green, blue);
  const min = Math.min(red, green, blue);
  const delta = max - min;
  let hue = 0;
  if (delta > 0) {
    if (max === red) hue = 60 * (((green - blue) / delta) % 6);
    else if (max === green) hue = 60 * ((blue - red) / delta + 2);
    else hue = 60 * ((red - green) / delta + 4);
  }
  if (hue < 0) hue += 360;
  return { h: hue, s: max === 0 ? 0 : (delta / max) * 100, v: max * 100 };
}

/** HSV in lamp units -> RGB with integer channels. Hue 360 is the same as 0. */
export function hsvToRgb({ h, s, v }: Hsv): Rgb {
  const value = v / 100;
  const chroma = value * (s / 100);
  const sector = (((h % 360) + 360) % 360) / 60;
  const x = chroma * (1 - Math.abs((sector % 2) - 1));
  const m = value - chroma;
  const [red, green, blue] =
    sector < 1
      ? [chroma, x, 0]
      : sector < 2
        ? [x, chroma, 0]
        : sector < 3
          ? [0, chroma, x]
          : sector < 4
            ? [0, x, chroma]
            : sector < 5
              ? [x, 0, chroma]
              : [chroma, 0, x];
  return {
    r: Math.round((red + m) * 255),
    g: Math.round((green + m) * 255),
    b: Math.round((blue + m) * 255),
  };
}

/** The colour a lamp shows for hue/saturation at a brightness (1–100), as "#rrggbb". */
export function hueSaturationToHex(hue: number, saturation: number, brightness = 100): string {
  return rgbToHex(hsvToRgb({ h: hue, s: saturation, v: brightness }));
}

/**
 * Approximate colour of white light at a colour temperature, so `color` stays meaningful while a
 * lamp is in white mode. A curve fit of black-body colour, good to a few percent over 1000–40000 K.
 */
export function kelvinToRgb(kelvin: number): Rgb {
  const t = Math.min(40000, Math.max(1000, kelvin)) / 100;
  const red = t <= 66 ? 255 : 329.698727446 * (t - 60) ** -0.1332047592;
  const green =
    t <= 66
      ? 99.4708025861 * Math.log(t) - 161.1195681661
      : 288.1221695283 * (t - 60) ** -0.0755148492;
  const blue = t >= 66 ? 255 : t <= 19 ? 0 : 138.5177312231 * Math.log(t - 10) - 305.0447927307;
  const clamp = (n: number) => Math.min(255, Math.max(0, Math.round(n)));
  return { r: clamp(red), g: clamp(green), b: clamp(blue) };
}

/** White at a colour temperature, dimmed to a brightness (1–100), as "#rrggbb". */
export function kelvinToHex(kelvin: number, brightness = 100): string {
  const { r, g, b } = kelvinToRgb(kelvin);
  const scale = brightness / 100;
  return rgbToHex({ r: r * scale, g: g * scale, b: b * scale });
}
