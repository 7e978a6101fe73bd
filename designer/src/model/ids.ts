/** Ids that satisfy schemas/ids.ts `Id` (letters, digits, "_" and "-") and are unique enough to paste across graphs. */
export function newId(prefix: string): string {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `${prefix}_${random[0]!.toString(36)}${random[1]!.toString(36)}`.slice(0, 64);
}

/** `base`, or `base_2`, `base_3`… whichever is not taken: agent and topic types must be unique. */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
