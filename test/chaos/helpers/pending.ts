/**
 * Assertions that hold only once a fix under way elsewhere is in. Each is a
 * test of its own, skipped with the reason below, on figures the scenario
 * measured anyway. BROOD_CHAOS_STRICT=1 runs them all, to see which pass.
 * Once a fix is merged, its entry goes, and so does the skip.
 */
const FIXES = {
  // None waits now: the fixes of issue 9 are in.
} as const;

/** The skip reason of an assertion that waits for `fix`; false (run it) under BROOD_CHAOS_STRICT=1. */
export function awaiting(fix: keyof typeof FIXES): string | false {
  return process.env.BROOD_CHAOS_STRICT === '1' ? false : FIXES[fix];
}
