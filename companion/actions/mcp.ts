// The MCP servers the user lists (issue 16): the companion is their client (the official SDK),
// and their tools join Alisa's registry as `mcp_<server>_<tool>`, through the executor's one
// policy, question, rate limit and audit log (executor.ts `performExternal`).
//
//   - A server is a program the companion starts (stdio: command, args, env, cwd; the SDK gives
//     it only a safe part of the companion's environment plus the configured `env`), or a
//     streamable HTTP address (url, headers). A server not on this machine passes the network
//     gate before every connection (privacy/network-gate.ts; loopback passes at once).
//   - Each server has a state: connecting, ready (its tools listed) or error (why, in a sentence).
//     A server that cannot start, stops or is blocked is an error in its state, never a crash;
//     the next call of one of its tools connects again. Tools last listed stay in the registry
//     while their server is down, so that call can reach it.
//   - Arguments are checked against the tool's JSON schema (ajv) before anyone is asked; a call
//     has a time limit (default 60 s); its text result is capped at 20,000 characters, other
//     content is described in words; `isError` and a server that died are clear errors.
//   - The env values, headers and the URL's query may hold secrets: they are never logged, never
//     in a status, and are cut out of every error message.
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { McpServerConfig, McpServerState, McpServerStatus, Risk } from '../../protocol/actions';
import { AlisaError } from '../errors';
import { networkGate } from '../privacy/network-gate';
import type { ExternalTool, ToolProvider } from './executor';

export const MCP_CALL_TIMEOUT_MS = 60_000;
/** The longest text a tool call answers (more is cut, saying how much). */
export const MCP_TEXT_CAP = 20_000;
const NAME_MAX = 64;
const MAX_TOOLS_PER_SERVER = 200;
const DESCRIPTION_MAX = 2000;
/** What is kept of a stdio server's stderr for its error message. */
const STDERR_TAIL = 2000;
/** A server that is down is tried again on a window's arrival at most this often. */
const RETRY_GAP_MS = 30_000;

interface McpTool {
  tool: ExternalTool;
  /** The server's own name for it. */
  remote: string;
  /** Null: its schema could not be compiled; only "an object" is checked. */
  validate: ValidateFunction | null;
}

interface ServerEntry {
  config: McpServerConfig;
  state: McpServerState;
  error: string | null;
  client: Client | null;
  /** Tools by their name in the registry (kept from the last listing while the server is down). */
  tools: Map<string, McpTool>;
  connecting: Promise<void> | null;
  /** The client of the connection being made (closed by dispose if it is still under way). */
  attempt: Client | null;
  /** When the last connection attempt started (ms since the epoch). */
  lastAttempt: number;
  /** The last attempt was refused by the network gate. */
  gated: boolean;
  stderr: string;
}

export interface McpHubOptions {
  servers: McpServerConfig[];
  log(line: string): void;
  /** The companion's version, told to the servers. */
  version?: string;
  /** A server's state or tools changed. */
  onChange?(status: McpServerStatus[]): void;
}

/** `mcp_<server>_<tool>`: letters, digits and underscores, at most 64 characters. */
export function mcpToolName(server: string, tool: string): string {
  return `mcp_${server}_${tool}`.replace(/[^A-Za-z0-9_]/g, '_').slice(0, NAME_MAX);
}

/** A tool result's content as text: text joined, other content described in words, capped. */
export function mcpResultText(result: { content?: unknown; structuredContent?: unknown; toolResult?: unknown }): string {
  const parts: string[] = [];
  const content = Array.isArray(result.content) ? (result.content as Array<Record<string, unknown>>) : [];
  for (const c of content) parts.push(describeContent(c));
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent, null, 2));
  if (parts.length === 0 && result.toolResult !== undefined)
    parts.push(typeof result.toolResult === 'string' ? result.toolResult : JSON.stringify(result.toolResult));
  return capText(parts.join('\n'));
}

function describeContent(c: Record<string, unknown>): string {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const size = (data: unknown) => `${Buffer.byteLength(str(data), 'base64')} bytes`;
  switch (c.type) {
    case 'text':
      return str(c.text);
    case 'image':
      return `[an image (${str(c.mimeType) || 'unknown type'}, ${size(c.data)}), not shown]`;
    case 'audio':
      return `[audio (${str(c.mimeType) || 'unknown type'}, ${size(c.data)}), not played]`;
    case 'resource': {
      const r = (c.resource ?? {}) as Record<string, unknown>;
      if (typeof r.text === 'string') return `[the resource ${str(r.uri)}]\n${r.text}`;
      return `[the resource ${str(r.uri)} (${str(r.mimeType) || 'binary'}, ${size(r.blob)}), not shown]`;
    }
    case 'resource_link':
      return `[a link to the resource ${str(c.name) || str(c.uri)}: ${str(c.uri)}]`;
    default:
      return `[content of type "${String(c.type)}", not shown]`;
  }
}

function capText(text: string): string {
  if (text.length <= MCP_TEXT_CAP) return text;
  const note = (n: number) => `\n[… ${n} more characters cut]`;
  const keep = MCP_TEXT_CAP - note(text.length).length;
  return text.slice(0, keep) + note(text.length - keep);
}

export class McpHub implements ToolProvider {
  private readonly servers: ServerEntry[];
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false });
  private readonly ajv2020 = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, logger: false });
  private disposed = false;

  constructor(private readonly opts: McpHubOptions) {
    this.servers = opts.servers.map((config) => ({
      config,
      state: 'connecting',
      error: null,
      client: null,
      tools: new Map(),
      connecting: null,
      attempt: null,
      lastAttempt: 0,
      gated: false,
      stderr: '',
    }));
  }

  /** Connects every server in the background; never throws (failures are in each server's state). */
  start(): Promise<void> {
    return Promise.all(this.servers.map((s) => this.connect(s).catch(() => {}))).then(() => {});
  }

  /**
   * Tries again, in the background, the servers that are down (at most once per `minGapMs` each):
   * called when a VS Code window registers, since a server on another machine may have been
   * refused at start only because nobody was there to answer the network gate's question.
   */
  retryFailed(minGapMs = RETRY_GAP_MS): void {
    if (this.disposed) return;
    const now = Date.now();
    for (const s of this.servers) {
      // Refused by the gate (nobody to ask, blocked, offline): the gate itself answers at once when nothing changed.
      if (s.state !== 'error' || s.connecting || (!s.gated && now - s.lastAttempt < minGapMs)) continue;
      this.connect(s).catch(() => {});
    }
  }

  status(): McpServerStatus[] {
    return this.servers.map((s) => ({
      name: s.config.name,
      transport: s.config.url !== undefined ? 'http' : 'stdio',
      target: targetOf(s.config),
      risk: riskOf(s.config),
      state: s.state,
      error: s.error,
      toolCount: s.tools.size,
      tools: [...s.tools.entries()].map(([name, t]) => ({ name, tool: t.remote, description: t.tool.description })),
    }));
  }

  // ---- ToolProvider ----------------------------------------------------------------------------

  tools(): ExternalTool[] {
    return this.servers.flatMap((s) => [...s.tools.values()].map((t) => t.tool));
  }

  checkArgs(name: string, args: Record<string, unknown>): string | null {
    const found = this.find(name);
    if (!found) return `there is no MCP tool called ${name}`;
    if (args === null || typeof args !== 'object' || Array.isArray(args)) return 'the arguments must be an object';
    const validate = found.tool.validate;
    if (!validate || validate(args)) return null;
    return `${this.ajv.errorsText(validate.errors, { dataVar: 'arguments', separator: '; ' })}.`;
  }

  async call(name: string, args: Record<string, unknown>): Promise<{ text: string }> {
    const found = this.find(name);
    if (!found) throw new Error(`There is no MCP tool called ${name}.`);
    const server = found.server;
    const label = `The MCP server "${server.config.name}"`;
    if (this.disposed) throw new Error(`${label} is closed: Alisa is stopping.`);
    if (server.state !== 'ready' || !server.client) {
      // Down since the last call (or never up): one more try now.
      await this.connect(server).catch(() => {});
      if (server.state !== 'ready' || !server.client) throw new Error(`${label} is not available: ${server.error ?? 'it did not connect.'}`);
    }
    const tool = server.tools.get(name);
    if (!tool) throw new Error(`${label} no longer offers the tool ${found.tool.remote}.`);
    const client = server.client;
    const timeoutMs = server.config.timeoutMs ?? MCP_CALL_TIMEOUT_MS;
    let result: Awaited<ReturnType<Client['callTool']>>;
    try {
      result = await client.callTool({ name: tool.remote, arguments: args }, undefined, { timeout: timeoutMs });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === -32001) throw new Error(`${label} did not finish ${tool.remote} within ${formatSeconds(timeoutMs)}.`);
      if (server.client !== client || code === -32000) {
        // The connection closed under the call: the server stopped or went away.
        this.failed(server, client, server.error ?? `it stopped while running ${tool.remote}${this.stderrTail(server)}.`);
        throw new Error(`${label} stopped while running ${tool.remote}: ${server.error}`);
      }
      throw new Error(`${label} could not run ${tool.remote}: ${this.clean(server, errorText(err))}`);
    }
    const text = mcpResultText(result);
    if (result.isError) throw new Error(`${label} reported an error from ${tool.remote}: ${capError(text.trim()) || '(no message)'}`);
    return { text };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(
      this.servers.map(async (s) => {
        const clients = [s.client, s.attempt];
        s.client = s.attempt = null;
        await Promise.all(clients.map((c) => c?.close().catch(() => {})));
      }),
    );
  }

  // ---- connections -----------------------------------------------------------------------------

  private find(name: string): { server: ServerEntry; tool: McpTool } | null {
    for (const server of this.servers) {
      const tool = server.tools.get(name);
      if (tool) return { server, tool };
    }
    return null;
  }

  private connect(server: ServerEntry): Promise<void> {
    server.connecting ??= this.doConnect(server).finally(() => {
      server.connecting = null;
    });
    return server.connecting;
  }

  private async doConnect(server: ServerEntry): Promise<void> {
    const { config } = server;
    const old = server.client;
    server.client = null;
    await old?.close().catch(() => {});
    server.lastAttempt = Date.now();
    this.setState(server, 'connecting', null);
    server.stderr = '';
    let client: Client | null = null;
    try {
      const transport = await this.transport(server);
      client = new Client({ name: 'alisa', version: this.opts.version ?? '0.0.0' }, { capabilities: {} });
      const self = client;
      server.attempt = client;
      client.onclose = () => {
        if (server.client !== self || this.disposed) return;
        this.failed(server, self, `it stopped${this.stderrTail(server)}.`);
      };
      client.onerror = () => {
        // Transport hiccups (a dropped event stream) are retried by the SDK; a closed one comes as onclose.
      };
      const timeout = Math.max(config.timeoutMs ?? MCP_CALL_TIMEOUT_MS, 5000);
      await client.connect(transport, { timeout });
      const tools = await this.listTools(client, timeout);
      if (this.disposed) {
        await client.close().catch(() => {});
        return;
      }
      server.client = client;
      server.tools = this.register(server, tools);
      this.setState(server, 'ready', null);
      this.opts.log(`mcp: server "${config.name}" ready with ${server.tools.size} tool(s)`);
    } catch (err) {
      await client?.close().catch(() => {});
      server.gated = err instanceof AlisaError && err.code === 'network_blocked';
      const why = this.clean(server, this.describeFailure(server, err));
      this.setState(server, 'error', why);
      this.opts.log(`mcp: server "${config.name}": ${why}`);
      throw new Error(why);
    } finally {
      server.attempt = null;
    }
  }

  private async transport(server: ServerEntry): Promise<Transport> {
    const { config } = server;
    if (config.url !== undefined) {
      const url = new URL(config.url);
      // A server on another machine: the network gate first (loopback passes at once, unrecorded).
      await networkGate().request({
        url: config.url,
        feature: 'mcp-server',
        purpose: `use the tools of the MCP server "${config.name}" at ${url.host} (alisa.mcp.servers)`,
        alternative: `remove "${config.name}" from alisa.mcp.servers, or run the server on this machine`,
      });
      return new StreamableHTTPClientTransport(url, { requestInit: { headers: { ...config.headers } } });
    }
    const transport = new StdioClientTransport({
      command: config.command ?? '',
      args: config.args ?? [],
      env: config.env,
      cwd: config.cwd,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      server.stderr = (server.stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    return transport;
  }

  private async listTools(client: Client, timeout: number) {
    const all: Awaited<ReturnType<Client['listTools']>>['tools'] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout });
      all.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor && all.length < MAX_TOOLS_PER_SERVER);
    if (all.length > MAX_TOOLS_PER_SERVER) this.opts.log(`mcp: only the first ${MAX_TOOLS_PER_SERVER} tools of a server are used`);
    return all.slice(0, MAX_TOOLS_PER_SERVER);
  }

  /** The server's tools under names unique in the whole registry. */
  private register(server: ServerEntry, tools: Array<{ name: string; description?: string; inputSchema: Record<string, unknown> }>): Map<string, McpTool> {
    const taken = new Set(this.servers.filter((s) => s !== server).flatMap((s) => [...s.tools.keys()]));
    const out = new Map<string, McpTool>();
    const origin = `MCP server ${server.config.name}`;
    for (const t of tools) {
      let name = mcpToolName(server.config.name, t.name);
      for (let n = 2; taken.has(name) || out.has(name); n++) name = `${mcpToolName(server.config.name, t.name).slice(0, NAME_MAX - String(n).length - 1)}_${n}`;
      const schema = t.inputSchema && typeof t.inputSchema === 'object' ? t.inputSchema : { type: 'object' };
      out.set(name, {
        remote: t.name,
        validate: this.compile(server, t.name, schema),
        tool: {
          name,
          description: (t.description ?? '').slice(0, DESCRIPTION_MAX),
          inputSchema: schema,
          risk: riskOf(server.config),
          origin,
        },
      });
    }
    return out;
  }

  private compile(server: ServerEntry, tool: string, schema: Record<string, unknown>): ValidateFunction | null {
    const draft2020 = typeof schema.$schema === 'string' && schema.$schema.includes('2020-12');
    try {
      return (draft2020 ? this.ajv2020 : this.ajv).compile(schema);
    } catch {
      try {
        // An unknown meta-schema: the schema itself may still compile.
        const { $schema: _ignored, ...rest } = schema;
        return this.ajv.compile(rest);
      } catch (err) {
        this.opts.log(`mcp: the schema of ${tool} (server "${server.config.name}") cannot be checked (${errorText(err)}); only its shape is checked`);
        return null;
      }
    }
  }

  private failed(server: ServerEntry, client: Client, why: string): void {
    if (server.client !== client) return;
    server.client = null;
    const reason = this.clean(server, why);
    this.setState(server, 'error', reason);
    this.opts.log(`mcp: server "${server.config.name}": ${reason}`);
    void client.close().catch(() => {});
  }

  private setState(server: ServerEntry, state: McpServerState, error: string | null): void {
    server.state = state;
    server.error = error;
    this.opts.onChange?.(this.status());
  }

  private describeFailure(server: ServerEntry, err: unknown): string {
    const { config } = server;
    const code = (err as { code?: unknown }).code;
    if (config.command !== undefined) {
      const program = `"${path.basename(config.command)}"`;
      if (code === 'ENOENT')
        return `it could not start: ${program} was not found${config.cwd ? ` (or its working folder ${config.cwd} does not exist)` : ''}. Check its command in alisa.mcp.servers.`;
      if (code === 'EACCES') return `it could not start: ${program} is not executable.`;
      if (code === -32000) return `${program} stopped before it answered${this.stderrTail(server)}.`;
    }
    // The network gate said no: its sentence says why and how to allow it.
    if (err instanceof AlisaError) return `${err.message}${err.action ? ` ${err.action}` : ''}`;
    if (code === -32001) return `it did not answer within ${formatSeconds(Math.max(config.timeoutMs ?? MCP_CALL_TIMEOUT_MS, 5000))}.`;
    return `it did not connect: ${errorText(err)}${this.stderrTail(server)}`;
  }

  private stderrTail(server: ServerEntry): string {
    const last = server.stderr.trim().split('\n').slice(-3).join(' | ').slice(-500);
    return last ? ` (its last output: ${last})` : '';
  }

  /** Cuts the configured secrets (env values, header values, the URL's credentials and query) out of a message. */
  private clean(server: ServerEntry, text: string): string {
    const { config } = server;
    const secrets = [...Object.values(config.env ?? {}), ...Object.values(config.headers ?? {})];
    if (config.url !== undefined) {
      const u = new URL(config.url);
      if (u.username || u.password || u.search) secrets.push(config.url, u.search.slice(1), u.password, u.username);
    }
    let out = text;
    for (const s of secrets.filter((v) => v.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(s).join('[redacted]');
    return out;
  }
}

function riskOf(config: McpServerConfig): Risk {
  return config.risk ?? 'program';
}

function targetOf(config: McpServerConfig): string {
  if (config.url !== undefined) {
    const u = new URL(config.url);
    return `${u.origin}${u.pathname}`;
  }
  return path.basename(config.command ?? '');
}

/** An error's text in a reason (the audit log, the panel's card): its start, up to 2,000 characters. */
function capError(text: string): string {
  return text.length > 2000 ? `${text.slice(0, 2000)} […]` : text;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
