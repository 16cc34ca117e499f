// The DAP requests and events ArrayLens sends and reads, typed from @vscode/debugprotocol (and src/protocol/dap for
// the arraylens/* requests): `request('stackTrace', args)` checks its arguments and types its answer.

import type { DebugProtocol } from '@vscode/debugprotocol';
import type { RequestArgs, RequestBody } from '../protocol/dap';

/** An answer whose spec declares no body: adapters send none, and the client gives `{}`. */
export type EmptyBody = Record<string, never>;
/** Launch and attach arguments are the debugger's own (debugpy's `program`, lldb-dap's `pid`, ...). */
type DebuggerArgs<A> = A & Record<string, unknown>;
/** A body the spec marks optional: the client gives `{}` when the adapter sends none, so each field may be absent. */
type OptionalBody<B> = Partial<NonNullable<B>>;

/** Command -> [arguments, answer body]. `void` arguments may be left out. */
export interface DapRequests {
  initialize: [DebugProtocol.InitializeRequestArguments, DebugProtocol.Capabilities];
  launch: [DebuggerArgs<DebugProtocol.LaunchRequestArguments>, EmptyBody];
  attach: [DebuggerArgs<DebugProtocol.AttachRequestArguments>, EmptyBody];
  configurationDone: [DebugProtocol.ConfigurationDoneArguments | void, EmptyBody];
  setBreakpoints: [DebugProtocol.SetBreakpointsArguments, DebugProtocol.SetBreakpointsResponse['body']];
  setFunctionBreakpoints: [DebugProtocol.SetFunctionBreakpointsArguments, DebugProtocol.SetFunctionBreakpointsResponse['body']];
  threads: [void, DebugProtocol.ThreadsResponse['body']];
  stackTrace: [DebugProtocol.StackTraceArguments, DebugProtocol.StackTraceResponse['body']];
  scopes: [DebugProtocol.ScopesArguments, DebugProtocol.ScopesResponse['body']];
  variables: [DebugProtocol.VariablesArguments, DebugProtocol.VariablesResponse['body']];
  evaluate: [DebugProtocol.EvaluateArguments, DebugProtocol.EvaluateResponse['body']];
  readMemory: [DebugProtocol.ReadMemoryArguments, OptionalBody<DebugProtocol.ReadMemoryResponse['body']>];
  continue: [DebugProtocol.ContinueArguments, OptionalBody<DebugProtocol.ContinueResponse['body']>];
  next: [DebugProtocol.NextArguments, EmptyBody];
  stepIn: [DebugProtocol.StepInArguments, EmptyBody];
  stepOut: [DebugProtocol.StepOutArguments, EmptyBody];
  pause: [DebugProtocol.PauseArguments, EmptyBody];
  disconnect: [DebugProtocol.DisconnectArguments | void, EmptyBody];
  terminate: [DebugProtocol.TerminateArguments | void, EmptyBody];
  'arraylens/listArrays': [RequestArgs<'arraylens/listArrays'>, RequestBody<'arraylens/listArrays'>];
  'arraylens/inspect': [RequestArgs<'arraylens/inspect'>, RequestBody<'arraylens/inspect'>];
}
export type DapCommand = keyof DapRequests;
export type DapArgs<C extends DapCommand> = DapRequests[C][0];
export type DapBody<C extends DapCommand> = DapRequests[C][1];
/** The arguments and timeout of `request(command, ...)`: the arguments may be left out where the map says `void`. */
export type DapRequestRest<C extends DapCommand> = void extends DapArgs<C>
  ? [args?: Exclude<DapArgs<C>, void>, timeoutMs?: number]
  : [args: DapArgs<C>, timeoutMs?: number];

/** Event -> body (the client gives `{}` for an event without one). */
export interface DapEvents {
  initialized: EmptyBody;
  stopped: DebugProtocol.StoppedEvent['body'];
  continued: DebugProtocol.ContinuedEvent['body'];
  exited: DebugProtocol.ExitedEvent['body'];
  terminated: OptionalBody<DebugProtocol.TerminatedEvent['body']>;
  thread: DebugProtocol.ThreadEvent['body'];
  output: DebugProtocol.OutputEvent['body'];
  breakpoint: DebugProtocol.BreakpointEvent['body'];
  module: DebugProtocol.ModuleEvent['body'];
  process: DebugProtocol.ProcessEvent['body'];
  capabilities: DebugProtocol.CapabilitiesEvent['body'];
}
export type DapEventName = keyof DapEvents;

/** Anything that carries DAP requests: a child adapter (DapClient), our adapter's downstream, a VS Code debug session. */
export interface DapChannel {
  /** A request the map above knows: typed arguments and answer. */
  request<C extends DapCommand>(command: C, ...rest: DapRequestRest<C>): Promise<DapBody<C>>;
  /** Any other request (a debugger's custom one), or a caller that names the answer's type itself. */
  request<T = unknown>(command: string, args?: unknown, timeoutMs?: number): Promise<T>;
}
