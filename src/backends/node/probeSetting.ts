// The arraylens.nodeProbe setting as the ARRAYLENS_NODE_PROBE environment variable the probe lookup reads (issue 18):
// "" leaves the environment as VS Code was started with, "off" turns the probe off, a path loads that file.

/**
 * The value ARRAYLENS_NODE_PROBE should have: the setting when set, else what the environment had at activation
 * (undefined: unset). Setting it in the extension host also reaches the adapter processes it starts.
 */
export function nodeProbeEnv(setting: unknown, atActivation: string | undefined): string | undefined {
  const s = typeof setting === 'string' ? setting.trim() : '';
  if (s === '') return atActivation;
  return s === 'off' || s === '0' || s === 'false' ? '0' : s;
}

/** Applies `value` to `env` (deleting the variable for undefined). */
export function applyNodeProbeEnv(env: NodeJS.ProcessEnv, value: string | undefined): void {
  if (value === undefined) delete env.ARRAYLENS_NODE_PROBE;
  else env.ARRAYLENS_NODE_PROBE = value;
}
