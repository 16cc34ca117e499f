// Is the pid debugpy reported a local process, and the one running the program? Asked before /proc/PID/mem or
// /proc/PID/fd is read: an attach to a program in a container or on another machine reports a pid that here names
// another process (or none), and reading it would show someone else's bytes as the program's.

import * as fs from 'fs';
import type { DapChannel } from '../../rpc/dapClient';

/** What a process says about itself, or what /proc says about a pid here. */
export interface ProcessIdentity {
  /** /proc/sys/kernel/random/boot_id: the same kernel (a container shares it with its host; another machine does not). */
  bootId: string;
  /** Field 22 of /proc/PID/stat: start time in clock ticks since boot; with the boot id, names one process. */
  startTicks: string;
  /** /proc/PID/cmdline, NUL-separated. */
  cmdline: string;
}

/**
 * A Python expression the paused debuggee evaluates to `pid\nHEX\nHEX\nHEX` (boot id, its /proc/self/stat, its
 * /proc/self/cmdline; empty where there is no /proc). Reads three files; imports nothing (os is always loaded).
 */
export function identityExpression(): string {
  return (
    "(lambda os: '\\n'.join([str(os.getpid())] + [(open(p, 'rb').read().hex() if os.path.exists(p) else '') " +
    "for p in ('/proc/sys/kernel/random/boot_id', '/proc/self/stat', '/proc/self/cmdline')]))(__import__('os'))"
  );
}

function startTicksOf(stat: string): string {
  // comm (field 2) is in parentheses and may hold spaces or ')': fields are counted after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19] ?? '';
}

/** The debuggee's answer to identityExpression (already unquoted), or null when it is not in that form. */
export function parseIdentityAnswer(answer: string): { pid: number; identity: ProcessIdentity } | null {
  const parts = answer.replace(/\\n/g, '\n').split('\n');
  if (parts.length !== 4 || !/^\d+$/.test(parts[0]) || parts.slice(1).some((h) => !/^([0-9a-f]{2})*$/.test(h))) return null;
  const text = (h: string) => Buffer.from(h, 'hex').toString('latin1');
  return { pid: Number(parts[0]), identity: { bootId: text(parts[1]).trim(), startTicks: startTicksOf(text(parts[2])), cmdline: text(parts[3]) } };
}

/** What /proc says here about `pid` (a string: why it cannot say). */
export function localIdentity(pid: number): ProcessIdentity | string {
  try {
    return {
      bootId: fs.readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim(),
      startTicks: startTicksOf(fs.readFileSync(`/proc/${pid}/stat`, 'latin1')),
      cmdline: fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1'),
    };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `no process ${pid} runs here` : `cannot read /proc/${pid} (${code ?? 'error'})`;
  }
}

/** null when `pid` here is the process that answered `answer`; else why not, in a phrase. */
export function identityMismatch(pid: number, answer: string): string | null {
  const remote = parseIdentityAnswer(answer);
  if (!remote) return `the debuggee did not say who it is (${answer.slice(0, 80)})`;
  if (!remote.identity.bootId || !remote.identity.startTicks) return 'the debuggee has no /proc (not a local Linux process)';
  const local = localIdentity(pid);
  if (typeof local === 'string') return `${local}: the program runs in another machine or pid namespace`;
  if (remote.identity.bootId !== local.bootId) return `the program runs on another machine (boot id ${remote.identity.bootId} here ${local.bootId})`;
  if (remote.identity.startTicks !== local.startTicks || remote.identity.cmdline !== local.cmdline) {
    const where = remote.pid === pid ? 'another pid namespace (a container?)' : `process ${remote.pid} of another pid namespace`;
    return `process ${pid} here is not the program (it runs as ${where})`;
  }
  return null;
}

const verdicts = new WeakMap<DapChannel, Map<number, Promise<string | null>>>();

/**
 * Whether `pid` names the debuggee of `channel`'s session (null) or not (why), asked once per session and pid: a
 * process keeps its identity while it lives. `evaluate` runs identityExpression in the paused debuggee.
 */
export function checkProcessIdentity(channel: DapChannel, pid: number, evaluate: (expression: string) => Promise<string>): Promise<string | null> {
  let byPid = verdicts.get(channel);
  if (!byPid) verdicts.set(channel, (byPid = new Map()));
  let v = byPid.get(pid);
  if (!v) {
    v = evaluate(identityExpression()).then(
      (answer) => identityMismatch(pid, answer.trim().replace(/^'(.*)'$/s, '$1')),
      (e: unknown) => `the debuggee could not say who it is (${e instanceof Error ? e.message : String(e)})`,
    );
    // A failed evaluate (the frame went away) is asked again next time; a verdict stays.
    void v.then((why) => {
      if (why?.startsWith('the debuggee could not')) byPid!.delete(pid);
    });
    byPid.set(pid, v);
  }
  return v;
}
