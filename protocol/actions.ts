// Alisa's hands (issue 16): every action she can take, declared once, with the schema of its
// arguments, its risk class, where it runs and the words the user and the model read. One
// executor in the companion (companion/actions/executor.ts) runs every one of them through one
// policy, whoever asks: the user (a slash command, the palette, a voice command, a legacy
// client's trigger phrase) or the model (a tool call).
//
// Where an action runs:
//   editor     in the VS Code extension of the window that asked (the VS Code API: files,
//              problems, git, tasks, terminals); the companion sends it `action.exec` and waits
//              for `action.complete`
//   companion  in the companion itself (notes, the desktop through xdotool/wmctrl, osascript or
//              PowerShell)
//
// Risk classes, from harmless to most dangerous; the policy (companion/actions/policy.ts) asks
// the user before anything but `read`, and text from the screen, a file, a terminal, a tool or the
// model can never lift that (see ACTION_SOURCES).
import * as z from 'zod';

export const RISKS = ['read', 'workspace', 'program', 'desktop', 'online'] as const;
export const Risk = z.enum(RISKS);
export type Risk = z.infer<typeof Risk>;

export const RISK_TEXT: Record<Risk, string> = {
  read: 'reads inside the workspace',
  workspace: 'changes files',
  program: 'runs a program',
  desktop: 'controls the desktop',
  online: 'goes online',
};

/** What the policy does with an action of a risk class (the setting `alisa.actions.policy`). */
export const RiskRule = z.enum(['allow', 'ask', 'deny']);
export type RiskRule = z.infer<typeof RiskRule>;
export const DEFAULT_RISK_RULES: Record<Risk, RiskRule> = { read: 'allow', workspace: 'ask', program: 'ask', desktop: 'ask', online: 'ask' };

/**
 * Who asked for an action. `user`: the user's own words or clicks (slash command, palette, a
 * button, a legacy client's trigger phrase, a voice command). `model`: a tool call the model made;
 * its arguments may carry what it read on the screen, in a file, a terminal or a tool's result, so
 * a model's call never runs without the user's confirmation unless it only reads.
 */
export const ACTION_SOURCES = ['user', 'voice', 'legacy', 'model'] as const;
export const ActionSource = z.enum(ACTION_SOURCES);
export type ActionSource = z.infer<typeof ActionSource>;

const path = z.string().min(1).max(1000);
const line = z.number().int().positive().max(10_000_000);
const url = z
  .string()
  .min(1)
  .max(2000)
  .refine((u) => /^https?:\/\//i.test(u), 'only http:// and https:// addresses');
const appName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\w .+-]+$/, 'an application name is letters, digits, spaces, dots, dashes and underscores');
/** A key combination as xdotool writes it: `ctrl+s`, `alt+Tab`, `Return`. */
const keys = z
  .string()
  .min(1)
  .max(60)
  .regex(/^[A-Za-z0-9_]+(\+[A-Za-z0-9_]+)*$/, 'keys like ctrl+s, alt+Tab or Return');
const windowTitle = z.string().min(1).max(200);

const Text = z.object({ text: z.string() });

/** The declaration of one action. */
interface ActionSpec<A extends z.ZodType, R extends z.ZodType> {
  args: A;
  result: R;
  risk: Risk;
  runs: 'editor' | 'companion';
  /** What it does, for the user and for the model (one line). */
  description: string;
  /** The slash command that asks for it, if any (`/open src/a.ts:10`). */
  slash?: string;
}
const action = <A extends z.ZodType, R extends z.ZodType>(spec: ActionSpec<A, R>) => spec;

export const ACTIONS = {
  // ---- editor: read-only
  open_file: action({
    args: z.object({ path, line: line.optional() }).strict(),
    result: Text,
    risk: 'read',
    runs: 'editor',
    description: 'Open a file of the workspace in the editor, at a line if given.',
    slash: 'open',
  }),
  find_in_workspace: action({
    args: z.object({ query: z.string().min(1).max(200), kind: z.enum(['text', 'symbol']).default('text') }).strict(),
    result: z.object({ text: z.string(), matches: z.array(z.object({ path: z.string(), line: z.number().int(), text: z.string() })) }),
    risk: 'read',
    runs: 'editor',
    description: 'Find text or a symbol in the workspace; answers up to 50 places as path:line.',
    slash: 'find',
  }),
  read_file: action({
    args: z.object({ path, startLine: line.optional(), endLine: line.optional() }).strict(),
    result: Text,
    risk: 'read',
    runs: 'editor',
    description: 'Read a file (or a range of its lines) inside the workspace.',
    slash: 'read',
  }),
  list_problems: action({
    args: z.object({}).strict(),
    result: Text,
    risk: 'read',
    runs: 'editor',
    description: "List the workspace's problems (errors and warnings) as path:line: message.",
    slash: 'problems',
  }),
  git_status: action({
    args: z.object({}).strict(),
    result: Text,
    risk: 'read',
    runs: 'editor',
    description: 'Show git status of the workspace.',
    slash: 'status',
  }),
  git_diff: action({
    args: z.object({ path: path.optional() }).strict(),
    result: Text,
    risk: 'read',
    runs: 'editor',
    description: 'Show the uncommitted git diff of the workspace (or of one file).',
    slash: 'diff',
  }),
  // ---- editor: changes files, runs programs, goes online
  propose_edit: action({
    args: z.object({ path, content: z.string().max(1_000_000) }).strict(),
    result: Text,
    risk: 'workspace',
    runs: 'editor',
    description: 'Create a file or replace its content; the user sees the diff and applies it (one undo step, in the Revert list).',
  }),
  write_note: action({
    args: z
      .object({ text: z.string().min(1).max(100_000), title: z.string().max(100).optional(), place: z.enum(['notes', 'workspace']).default('notes') })
      .strict(),
    result: z.object({ text: z.string(), path: z.string() }),
    risk: 'workspace',
    runs: 'companion',
    description: "Write a note into the user's notes folder, or (place: workspace) into the workspace's .alisa/notes folder.",
    slash: 'note',
  }),
  run_task: action({
    args: z.object({ name: z.string().min(1).max(200) }).strict(),
    result: Text,
    risk: 'program',
    runs: 'editor',
    description: 'Run a VS Code task of the workspace by its name ("test" runs the test task).',
    slash: 'task',
  }),
  run_in_terminal: action({
    args: z.object({ command: z.string().min(1).max(2000), timeoutMs: z.number().int().positive().max(600_000).optional() }).strict(),
    result: z.object({ text: z.string(), exitCode: z.number().int().nullable(), timedOut: z.boolean() }),
    risk: 'program',
    runs: 'editor',
    description: "Run a command in a terminal in the workspace's folder and answer its output (capped) and exit code.",
    slash: 'run',
  }),
  open_url: action({
    args: z.object({ url }).strict(),
    result: Text,
    risk: 'online',
    runs: 'editor',
    description: 'Open a web address in the browser.',
    slash: 'url',
  }),
  // ---- desktop (the companion: xdotool and wmctrl on Linux X11)
  open_app: action({
    args: z.object({ name: appName }).strict(),
    result: Text,
    risk: 'program',
    runs: 'companion',
    description: 'Start a desktop application by its command name.',
    slash: 'app',
  }),
  close_app: action({
    args: z.object({ name: appName }).strict(),
    result: Text,
    risk: 'desktop',
    runs: 'companion',
    description: 'Close the windows of a desktop application (politely: it may ask to save).',
  }),
  browser_new_tab: action({
    args: z.object({}).strict(),
    result: Text,
    risk: 'desktop',
    runs: 'companion',
    description: 'Open a new tab in the browser window in front (ctrl+t).',
  }),
  browser_close_tab: action({
    args: z.object({}).strict(),
    result: Text,
    risk: 'desktop',
    runs: 'companion',
    description: 'Close the tab in front (ctrl+w).',
  }),
  browser_go_to: action({
    args: z.object({ url }).strict(),
    result: Text,
    risk: 'online',
    runs: 'companion',
    description: 'Open a web address in the default browser.',
  }),
  type_text: action({
    args: z.object({ text: z.string().min(1).max(2000) }).strict(),
    result: Text,
    risk: 'desktop',
    runs: 'companion',
    description: 'Type text into the window in front.',
    slash: 'type',
  }),
  press_keys: action({
    args: z.object({ keys }).strict(),
    result: Text,
    risk: 'desktop',
    runs: 'companion',
    description: 'Press a key combination in the window in front (ctrl+s, alt+Tab, Return).',
    slash: 'key',
  }),
  click: action({
    args: z
      .object({
        x: z.number().int().min(0).max(100_000).optional(),
        y: z.number().int().min(0).max(100_000).optional(),
        button: z.enum(['left', 'middle', 'right']).default('left'),
      })
      .strict(),
    result: Text,
    risk: 'desktop',
    runs: 'companion',
    description: 'Click the mouse, at a screen position if given.',
  }),
  scroll: action({
    args: z.object({ direction: z.enum(['up', 'down']), amount: z.number().int().min(1).max(50).default(3) }).strict(),
    result: Text,
    risk: 'desktop',
    runs: 'companion',
    description: 'Scroll the window under the mouse up or down.',
    slash: 'scroll',
  }),
  window: action({
    args: z.object({ op: z.enum(['focus', 'minimise', 'maximise']), title: windowTitle }).strict(),
    result: Text,
    risk: 'desktop',
    runs: 'companion',
    description: 'Focus, minimise or maximise the first window whose title contains the given text.',
    slash: 'window',
  }),
} as const;

export type ActionName = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];
export const ActionNameSchema = z.enum(ACTION_NAMES as [ActionName, ...ActionName[]]);
export type ActionArgs<A extends ActionName> = z.infer<(typeof ACTIONS)[A]['args']>;
export type ActionResultOf<A extends ActionName> = z.infer<(typeof ACTIONS)[A]['result']>;

export function isActionName(name: string): name is ActionName {
  return Object.hasOwn(ACTIONS, name);
}

/** The actions a slash command names, by the command (`open` -> open_file). */
export const SLASH_ACTIONS: Record<string, ActionName> = Object.fromEntries(
  ACTION_NAMES.flatMap((name) => {
    const slash = (ACTIONS[name] as { slash?: string }).slash;
    return slash ? [[slash, name]] : [];
  }),
);

// ---------------------------------------------------------------- outcomes, questions, audit

/**
 * done: it ran. refused: the policy said no before asking (outside the workspace, a blocked
 * command, too many actions, Restricted Mode, turned off); denied: the user said no; expired: the
 * user did not answer in time; failed: it ran and failed.
 */
export const ACTION_STATUSES = ['done', 'refused', 'denied', 'expired', 'failed'] as const;
export const ActionStatus = z.enum(ACTION_STATUSES);
export type ActionStatus = z.infer<typeof ActionStatus>;

export const ActionOutcome = z.object({
  callId: z.string(),
  action: z.string(),
  status: ActionStatus,
  /** The action's result (status done). */
  result: z.record(z.string(), z.unknown()).nullable(),
  /** Why it did not run or failed, in one sentence (null when done). */
  reason: z.string().nullable(),
});
export type ActionOutcome = z.infer<typeof ActionOutcome>;

/** A question to the user: may Alisa do this? */
export const ActionAskInfo = z.object({
  id: z.string(),
  callId: z.string(),
  action: z.string(),
  risk: Risk,
  /** One line: what she would do ("Run `npm test` in a terminal"). */
  title: z.string(),
  /** The exact command, path, address, text or diff, whole (capped at 20,000 characters). */
  detail: z.string(),
  source: ActionSource,
  /** Where the instruction came from, when it was not the user's own words ("the model's reply, after reading src/a.ts"). */
  provenance: z.string().nullable(),
  /** The reply whose tool call this is (null: asked directly). Optional: older companions do not say. */
  replyId: z.string().nullable().optional(),
  /** "Always allow" may be offered (the user's own request; never for a model's call that does more than read). */
  canAlwaysAllow: z.boolean(),
  /** After this (ms since the epoch) the question expires and the action does not run. */
  expiresAt: z.number(),
});
export type ActionAskInfo = z.infer<typeof ActionAskInfo>;

export const ActionDecision = z.enum(['allow', 'always', 'deny']);
export type ActionDecision = z.infer<typeof ActionDecision>;

/** One line of the audit log: every action, allowed or refused. */
export const ActionAuditEntry = z.object({
  id: z.number().int(),
  at: z.number(),
  action: z.string(),
  risk: Risk,
  source: ActionSource,
  provenance: z.string().nullable(),
  /** The arguments as the user was shown them (secrets redacted, capped). */
  summary: z.string(),
  status: ActionStatus,
  reason: z.string().nullable(),
  /** The workspace it ran for (null: none, e.g. a legacy client). */
  workspace: z.string().nullable(),
});
export type ActionAuditEntry = z.infer<typeof ActionAuditEntry>;

export const ActionPolicyStatus = z.object({
  enabled: z.boolean(),
  rules: z.record(Risk, RiskRule),
  perMinute: z.number().int(),
  askTimeoutMs: z.number().int(),
  /** Actions the user always allows, per workspace (key: workspace id, or "" for none). */
  alwaysAllowed: z.array(z.object({ workspace: z.string(), action: z.string() })),
  /** Which platform's desktop actions work here, and why not when they do not. */
  desktop: z.object({ available: z.boolean(), reason: z.string().nullable() }),
  notesDir: z.string(),
});
export type ActionPolicyStatus = z.infer<typeof ActionPolicyStatus>;

export const ActionConfigure = z
  .object({
    enabled: z.boolean().optional(),
    rules: z.partialRecord(Risk, RiskRule).optional(),
    perMinute: z.number().int().min(1).max(600).optional(),
    forgetAlwaysAllowed: z.boolean().optional(),
  })
  .strict();

/**
 * What an attached VS Code window offers: the editor actions it runs, its workspace folders
 * (real paths), whether the workspace is trusted (Restricted Mode turns off every action that
 * changes files, runs programs or controls the desktop).
 */
export const ActionRegister = z
  .object({
    actions: z.array(z.string().max(100)).max(100),
    roots: z.array(z.string().max(4000)).max(50),
    trusted: z.boolean(),
  })
  .strict();

/** The companion asks the window to run an editor action; the window answers with `action.complete`. */
export const ActionExecEvent = z.object({
  type: z.literal('action.exec'),
  callId: z.string(),
  action: z.string(),
  args: z.record(z.string(), z.unknown()),
  /** After this the companion no longer waits (the action is reported failed). */
  deadline: z.number(),
});
export type ActionExecEvent = z.infer<typeof ActionExecEvent>;

export const ActionAskEvent = ActionAskInfo.extend({ type: z.literal('action.ask') });
export const ActionAskDoneEvent = z.object({ type: z.literal('action.askDone'), id: z.string(), decision: z.enum(['allow', 'always', 'deny', 'expired']) });
/** An action ran, was refused, denied or expired: every client hears it (the panel's cards). */
export const ActionDoneEvent = z.object({
  type: z.literal('action.done'),
  outcome: ActionOutcome,
  source: ActionSource,
  /** The reply whose tool call it was (null: asked directly). */
  replyId: z.string().nullable(),
  title: z.string(),
});
export const ActionStateEvent = z.object({ type: z.literal('action.state'), status: ActionPolicyStatus });

/**
 * The slash commands, for help text and completion (the panel lists them as the user types `/`):
 * the command (`open`) -> how it is written (`/open <path>[:line]`). Its description is the
 * action's (`ACTIONS[SLASH_ACTIONS[command]].description`).
 */
export const SLASH_USAGE: Record<string, string> = {
  open: '/open <path>[:line]',
  find: '/find <text> (or #Symbol)',
  read: '/read <path>[:from-to]',
  problems: '/problems',
  status: '/status',
  diff: '/diff [path]',
  note: '/note <text>',
  task: '/task <name>',
  run: '/run <command>',
  url: '/url <address>',
  app: '/app <program>',
  type: '/type <text>',
  key: '/key <keys, e.g. ctrl+s>',
  scroll: '/scroll up|down [n]',
  window: '/window focus|minimise|maximise <title>',
};

// ---------------------------------------------------------------- MCP servers (issue 16)
//
// The MCP servers the user lists (`alisa.mcp.servers`, the companion's `--mcp-servers`): their
// tools join the registry as `mcp_<server>_<tool>` and run through the same policy, questions and
// audit as the built-in actions (companion/actions/mcp.ts). A server is a program the companion
// starts (stdio: command, args, env, cwd) or a streamable HTTP address (url, headers); env and
// headers may hold secrets and are never logged nor sent to a client.

export const MCP_SERVER_NAME = /^[a-z0-9_-]{1,32}$/;
const httpUrl = z
  .string()
  .min(1)
  .max(2000)
  .refine((u) => /^https?:\/\/[^/]/i.test(u) && URL.canParse(u), 'an http:// or https:// address');

export const McpServerConfig = z
  .object({
    name: z.string().regex(MCP_SERVER_NAME, 'a server name is 1 to 32 lowercase letters, digits, dashes and underscores'),
    /** stdio: the program to start, its arguments, extra environment variables and working folder. */
    command: z.string().min(1).max(4000).optional(),
    args: z.array(z.string().max(10_000)).max(200).optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string().max(10_000)).optional(),
    cwd: z.string().min(1).max(4000).optional(),
    /** Streamable HTTP: the server's address and extra request headers (an Authorization header). */
    url: httpUrl.optional(),
    headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,200}$/, 'a header name'), z.string().max(10_000)).optional(),
    /** The risk class of every tool of this server (default `program`): the policy decides by it. */
    risk: Risk.optional(),
    /** How long one tool call may take (default 60 s). */
    timeoutMs: z.number().int().min(100).max(600_000).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.command === undefined) === (s.url === undefined))
      ctx.addIssue({ code: 'custom', message: 'give exactly one of command (a program to start) or url (a streamable HTTP server)' });
    if (s.url !== undefined && (s.args || s.env || s.cwd)) ctx.addIssue({ code: 'custom', message: 'args, env and cwd go with command, not with url' });
    if (s.command !== undefined && s.headers) ctx.addIssue({ code: 'custom', message: 'headers go with url, not with command' });
  });
export type McpServerConfig = z.infer<typeof McpServerConfig>;

/** Every server once by name. */
export const McpServerList = z
  .array(McpServerConfig)
  .max(50)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((s, i) => {
      if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `the name "${s.name}" is used twice` });
      seen.add(s.name);
    });
  });

/** connecting: starting or reconnecting; ready: its tools are in the registry; error: see `error` (retried on the next call). */
export const McpServerState = z.enum(['connecting', 'ready', 'error']);
export type McpServerState = z.infer<typeof McpServerState>;

export const McpServerStatus = z.object({
  name: z.string(),
  transport: z.enum(['stdio', 'http']),
  /** The program's name or the server's origin (never its arguments, environment, headers or query). */
  target: z.string(),
  risk: Risk,
  state: McpServerState,
  /** Why it is not ready, in one sentence (null when ready or connecting). */
  error: z.string().nullable(),
  toolCount: z.number().int(),
  /** Its tools: the action name in Alisa's registry, the server's own name, its description. */
  tools: z.array(z.object({ name: z.string(), tool: z.string(), description: z.string() })),
});
export type McpServerStatus = z.infer<typeof McpServerStatus>;
