/**
 * Binary-mask morphology on row-major Uint8Array masks (W × H): 3×3-cross erosion/dilation, opening, closing with
 * hole filling, and the choice of the lesion's connected component. Pure; shared by the classical baseline and the
 * model's pseudo-mask read-out.
 */
function erode3(m: Uint8Array, W: number, H: number): Uint8Array {
  const o = new Uint8Array(W * H);
  for (let y = 1; y < H - 1; y++) {
    for (let x = 1, i = y * W + 1; x < W - 1; x++, i++) {
      o[i] = (m[i] !== 0 && m[i - 1] !== 0 && m[i + 1] !== 0 && m[i - W] !== 0 && m[i + W] !== 0) ? 1 : 0;
    }
  }
  return o; // pixels on the region border have a neighbour outside: eroded
}

function dilate3(m: Uint8Array, W: number, H: number): Uint8Array {
  const o = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0, i = y * W; x < W; x++, i++) {
      o[i] = (m[i] !== 0 || (x > 0 && m[i - 1] !== 0) || (x < W - 1 && m[i + 1] !== 0) || (y > 0 && m[i - W] !== 0) || (y < H - 1 && m[i + W] !== 0)) ? 1 : 0;
    }
  }
  return o;
}

export function dilate(m: Uint8Array, W: number, H: number, r: number): Uint8Array {
  let o = m;
  for (let i = 0; i < r; i++) o = dilate3(o, W, H);
  return o;
}

/** Opening with a 3×3 cross; keeps the input where opening would erase everything. */
export function open3(m: Uint8Array, W: number, H: number): Uint8Array {
  const o = dilate3(erode3(m, W, H), W, H);
  for (let i = 0; i < o.length; i++) if (o[i]) return o;
  return m;
}

/** 4-connected components; returns the one with the best area × centrality (a component must reach the central half). */
export function pickComponent(m: Uint8Array, W: number, H: number, cx: number, cy: number, bw: number, bh: number): Uint8Array | null {
  const label = new Int32Array(W * H).fill(-1);
  let bestScore = 0, bestLabel = -1, n = 0;
  const stack: number[] = [];
  for (let start = 0; start < W * H; start++) {
    if (!m[start] || label[start] >= 0) continue;
    let area = 0, sx = 0, sy = 0, central = 0;
    label[start] = n;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop() as number;
      const x = i % W, y = (i - x) / W;
      area++; sx += x; sy += y;
      if (Math.abs(x - cx) <= bw / 4 && Math.abs(y - cy) <= bh / 4) central++;
      if (x > 0 && m[i - 1] && label[i - 1] < 0) { label[i - 1] = n; stack.push(i - 1); }
      if (x < W - 1 && m[i + 1] && label[i + 1] < 0) { label[i + 1] = n; stack.push(i + 1); }
      if (y > 0 && m[i - W] && label[i - W] < 0) { label[i - W] = n; stack.push(i - W); }
      if (y < H - 1 && m[i + W] && label[i + W] < 0) { label[i + W] = n; stack.push(i + W); }
    }
    if (central > 0) {
      const dx = (sx / area - cx) / (bw / 2), dy = (sy / area - cy) / (bh / 2);
      const score = area * Math.exp(-2 * (dx * dx + dy * dy));
      if (score > bestScore) { bestScore = score; bestLabel = n; }
    }
    n++;
  }
  if (bestLabel < 0) return null;
  const out = new Uint8Array(W * H);
  for (let i = 0; i < W * H; i++) out[i] = label[i] === bestLabel ? 1 : 0;
  return out;
}

/** Closing then opening with a 3×3 cross (holes filled in between), keeping the input if opening would erase it. */
export function smoothMask(m: Uint8Array, W: number, H: number): Uint8Array {
  return open3(fillHoles(erode3(dilate3(m, W, H), W, H), W, H), W, H);
}

/** Fills the holes of a mask: background not 4-connected to the region border becomes foreground. */
export function fillHoles(m: Uint8Array, W: number, H: number): Uint8Array {
  const outside = new Uint8Array(W * H);
  const stack = new Int32Array(W * H);
  let top = 0;
  const seed = (i: number): void => { if (!m[i] && !outside[i]) { outside[i] = 1; stack[top++] = i; } };
  for (let x = 0; x < W; x++) { seed(x); seed((H - 1) * W + x); }
  for (let y = 0; y < H; y++) { seed(y * W); seed(y * W + W - 1); }
  while (top > 0) {
    const i = stack[--top];
    const x = i % W;
    if (x > 0 && !m[i - 1] && !outside[i - 1]) { outside[i - 1] = 1; stack[top++] = i - 1; }
    if (x < W - 1 && !m[i + 1] && !outside[i + 1]) { outside[i + 1] = 1; stack[top++] = i + 1; }
    if (i >= W && !m[i - W] && !outside[i - W]) { outside[i - W] = 1; stack[top++] = i - W; }
    if (i < W * (H - 1) && !m[i + W] && !outside[i + W]) { outside[i + W] = 1; stack[top++] = i + W; }
  }
  const out = new Uint8Array(W * H);
  for (let i = 0; i < W * H; i++) out[i] = outside[i] ? 0 : 1;
  return out;
}
