/** Kiln's job priorities: 1 (lowest) … 10 (highest); 5 when the request says nothing. */
export const PRIORITY_RANGE = { min: 1, max: 10, default: 5 } as const;
