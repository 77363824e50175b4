/**
 * The fixed map the spatial encoders' output is multiplied by (training/mtd/model.py `carrier_map`).
 *
 * Without a carrier E_i(x^i) = tanh(conv(x^i)) is a smooth, image-like map that the backbone cannot tell
 * apart from the image in z_t = sqrt(abar_t) x_0 + kappa_t E + sqrt(1 - abar_t) eps. On a checkerboard
 * carrier g (-1)^(row + col) the condition lives at the highest spatial frequency, where garment images carry
 * almost no energy (public/weights/README.md, "Diagnosis").
 */
export interface EncoderCarrier {
  readonly kind: 'checkerboard';
  readonly gain: number;
}

/** Row-major size x size values of the carrier, or null for none (every value 1). */
export function carrierValues(size: number, carrier: EncoderCarrier | undefined): Float32Array | null {
  if (carrier === undefined) return null;
  const out = new Float32Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) out[r * size + c] = (r + c) % 2 === 0 ? carrier.gain : -carrier.gain;
  }
  return out;
}
