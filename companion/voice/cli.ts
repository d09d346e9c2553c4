// `npm run voice -- ...`: speech in (and out) from the command line, for users checking that
// voice works on their machine and for outside checks. One JSON line on stdout; exit code 1 on
// failure with {"error": {code, message, action}}.
//   --transcribe FILE.wav   dictation: {engine, text, ms} (engine: --engine, or auto from
//                           --model / --endpoint, else pocketsphinx free dictation)
//   --command FILE.wav      a built-in voice command, offline: {engine, command, id, text, heard,
//                           confidence, ms}: command = its phrase ("stop talking"), id its id
//                           (both null when the speech is none of them; heard = the raw grammar
//                           result, confidence = the share of the speech it covers)
//   --say "TEXT" --out FILE.wav   speech out (the TTS registry in companion/voice/tts/)
//   --download-voice        download Piper's default voice into DATA/voices/ (needs --network allowed)
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { TtsEngineId } from '../../protocol';
import { parseArgs } from 'node:util';
import { AlisaError, runCli } from '../errors';
import { NETWORK_MODES, type NetworkMode } from '../../protocol';
import { NetworkGate, networkGate, setNetworkGate } from '../privacy/network-gate';
import { installSocketGuard } from '../privacy/socket-guard';
import { BUILTIN_COMMANDS, confidentCommand } from './commands';
import { recognize } from './listen-service';
import { POCKETSPHINX_INSTALL } from './stt/pocketsphinx';
import { createSttEngines, dictationEngineId, resolveSherpaModel } from './stt/registry';
import { findExecutable } from './recorder';
import { AllEnginesFailed, TtsChain } from './tts/registry';
import { voicesDir } from './tts/piper-voice';
import { describeVoicePlan, downloadVoice, voiceDownloadPlan } from './voice-download';
import { defaultDataDir } from '../config';
import path from 'node:path';
import { cutSegment, findSpeech } from './vad';
import { decodeWav, toMono16k } from './wav-io';

const USAGE = `Usage: npm run voice -- --transcribe FILE.wav [--engine sherpa|openai|whispercpp|pocketsphinx] [--model DIR] [--endpoint URL]
       npm run voice -- --command FILE.wav
       npm run voice -- --say "TEXT" --out FILE.wav
       npm run voice -- --download-voice --network allowed

  --transcribe FILE   transcribe a WAV file (any rate, 16-bit PCM) and print {engine, text, ms}
  --command FILE      recognise a built-in voice command offline and print {engine, command, text, ms}
  --engine ID         dictation engine (default: sherpa with --model, the server with --endpoint
                      (whispercpp when it ends in /inference, else openai), else pocketsphinx)
  --model PATH        sherpa-onnx Whisper/Moonshine model folder
  --endpoint URL      transcription server: OpenAI-compatible (…/v1) or whisper.cpp (…/inference)
                      (key: ALISA_STT_API_KEY)
  --server-model NAME model name sent to that server (default whisper-1)
  --say TEXT          speak TEXT into --out FILE.wav (first working engine of piper, espeak; msedge
                      is online and used only with --tts-engine msedge)
  --edge-endpoint URL replace Edge TTS's WebSocket URL (also ALISA_EDGE_TTS_URL)
  --tts-engine ID     speak with this engine only (piper, espeak or msedge)
  --data DIR          Alisa's data folder (its voices/ holds downloaded Piper voices; default: the companion's)
  --piper-model PATH  a Piper voice: a vits-piper-* folder (or its .onnx); --piper-binary FILE: the piper program
  --download-voice    download Piper's voice (Amy, about 64 MB from github.com) into DATA/voices/;
                      prints the size and free disk space first, then {dir, ms}; resumes if interrupted
  --no-vad            give the whole file to the engine instead of the speech the VAD finds
  --network MODE      offline (default: Edge's online voice and a remote transcription server are
                      blocked; loopback servers work) or allowed (connect)

Commands: ${BUILTIN_COMMANDS.map((c) => `"${c.phrase}"`).join(', ')}
`;

function readSpeech(file: string, vad: boolean): Int16Array {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new AlisaError('invalid_argument', `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  let pcm: Int16Array;
  try {
    pcm = toMono16k(decodeWav(buf));
  } catch (err) {
    throw new AlisaError(
      'invalid_argument',
      `${file} is not a WAV file Alisa can read: ${(err as Error).message}`,
      'Use a 16-bit PCM WAV file (sox in.wav -b 16 out.wav).',
    );
  }
  if (!vad) return pcm;
  const segs = findSpeech(pcm);
  return segs.length ? cutSegment(pcm, { start: segs[0]!.start, end: segs[segs.length - 1]!.end }) : pcm;
}

/** Speech out through the TTS chain (companion/voice/tts/registry.ts) into a file. */
async function say(
  text: string,
  out: string | undefined,
  engine: string | undefined,
  edgeEndpoint: string | null,
  piper: { binary: string | null; model: string | null; voicesDir: string },
): Promise<number> {
  if (!out) throw new AlisaError('invalid_argument', '--say needs --out FILE.wav.');
  let order: TtsEngineId[] | undefined;
  if (engine !== undefined) {
    const id = TtsEngineId.safeParse(engine);
    if (!id.success) throw new AlisaError('invalid_argument', `Unknown text-to-speech engine "${engine}".`, 'Use msedge, espeak or piper.');
    order = [id.data];
  }
  const chain = new TtsChain({ order, edgeEndpoint, piper });
  const t0 = performance.now();
  try {
    const r = await chain.synthesize(text, { voice: null, rate: '+15%', pitch: '+10Hz' }, AbortSignal.timeout(60_000));
    let data = r.data;
    let mime = r.mime;
    if (mime === 'audio/mpeg' && /\.wav$/i.test(out)) {
      const ffmpeg = findExecutable('ffmpeg');
      if (ffmpeg) {
        data = execFileSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-f', 'wav', 'pipe:1'], { input: data, maxBuffer: 64 << 20 });
        mime = 'audio/wav';
      }
    }
    writeFileSync(out, data);
    process.stdout.write(
      `${JSON.stringify({ engine: r.engine, skipped: r.skipped ?? [], out, mime, firstAudioMs: r.firstAudioMs ?? null, durationMs: r.durationMs, ms: Math.round(performance.now() - t0) })}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof AllEnginesFailed) {
      throw new AlisaError(
        'voice_unavailable',
        `No text-to-speech engine could speak: ${err.message}`.slice(0, 500),
        "Download Piper's voice (npm run voice -- --download-voice --network allowed), or install espeak-ng (apt install espeak-ng).",
      );
    }
    throw err;
  } finally {
    chain.close();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      transcribe: { type: 'string' },
      command: { type: 'string' },
      say: { type: 'string' },
      out: { type: 'string' },
      engine: { type: 'string' },
      model: { type: 'string' },
      endpoint: { type: 'string' },
      'server-model': { type: 'string' },
      'no-vad': { type: 'boolean' },
      'tts-engine': { type: 'string' },
      'edge-endpoint': { type: 'string' },
      data: { type: 'string' },
      'piper-model': { type: 'string' },
      'piper-binary': { type: 'string' },
      'download-voice': { type: 'boolean' },
      network: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  // Offline by default here too: nobody can be asked on the command line.
  const network = values.network ?? 'offline';
  if (!(NETWORK_MODES as readonly string[]).includes(network) || network === 'ask') {
    throw new AlisaError('invalid_argument', `--network must be offline or allowed, got "${network}".`);
  }
  setNetworkGate(
    new NetworkGate({
      mode: network as NetworkMode,
      setting: '--network',
      howToAllow: { some: 'run it with --network allowed', all: 'run it with --network allowed' },
    }),
  );
  installSocketGuard(networkGate);
  const voices = voicesDir(path.resolve(values.data ?? process.env.ALISA_DATA_DIR ?? defaultDataDir()));
  if (values['download-voice']) {
    const plan = voiceDownloadPlan(voices);
    process.stderr.write(`${describeVoicePlan(plan)}\n`);
    const t0 = performance.now();
    let shown = -1;
    const dir = await downloadVoice({
      voicesDir: voices,
      signal: new AbortController().signal,
      onState: (st) => {
        const pct = st.progress === null ? -1 : Math.floor(st.progress * 10) * 10;
        if (pct !== shown) {
          shown = pct;
          process.stderr.write(`${st.state}${pct >= 0 ? ` ${pct}%` : ''}\n`);
        }
      },
    });
    process.stdout.write(`${JSON.stringify({ voice: plan.voice, dir, ms: Math.round(performance.now() - t0) })}\n`);
    return 0;
  }
  if (values.help || (!values.transcribe && !values.command && values.say === undefined)) {
    process.stderr.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (values.say !== undefined) {
    const piper = { binary: values['piper-binary'] || null, model: values['piper-model'] || null, voicesDir: voices };
    return say(values.say, values.out, values['tts-engine'], values['edge-endpoint'] ?? process.env.ALISA_EDGE_TTS_URL ?? null, piper);
  }
  const vad = !values['no-vad'];
  const engineArg = values.engine;
  if (engineArg !== undefined && !['sherpa', 'openai', 'whispercpp', 'pocketsphinx', 'auto'].includes(engineArg)) {
    throw new AlisaError('invalid_argument', `Unknown engine "${engineArg}".`, 'Use sherpa, openai, whispercpp or pocketsphinx.');
  }
  const settings = {
    sttEngine: (engineArg ?? 'auto') as 'auto' | 'sherpa' | 'openai' | 'whispercpp' | 'pocketsphinx',
    sttModel: values.model ?? null,
    sttEndpoint: values.endpoint ?? null,
    sttServerModel: values['server-model'],
  };
  if (values.command) {
    const pcm = readSpeech(values.command, vad);
    const engines = createSttEngines({ sttEngine: 'auto' });
    const state = await engines.commands.available();
    if (!state.available) throw new AlisaError('voice_unavailable', state.reason ?? 'pocketsphinx is not usable.', POCKETSPHINX_INSTALL);
    const t0 = performance.now();
    const t = await engines.commands.transcribe(pcm);
    const c = confidentCommand(t);
    const confidence = Math.round((t.confidence ?? 0) * 100) / 100;
    process.stdout.write(
      `${JSON.stringify({ engine: engines.commands.id, command: c?.phrase ?? null, id: c?.id ?? null, text: c ? c.phrase : '', heard: t.text, confidence, ms: Math.round(performance.now() - t0) })}\n`,
    );
    return 0;
  }
  const pcm = readSpeech(values.transcribe!, vad);
  // Without a model or server, pocketsphinx's free dictation (poor, but offline).
  const engines = createSttEngines(dictationEngineId(settings) ? settings : { ...settings, sttEngine: 'pocketsphinx' });
  const dictation = engines.dictation!;
  if (dictation.id === 'sherpa') resolveSherpaModel(settings.sttModel, undefined);
  const state = await dictation.available();
  if (!state.available) {
    throw new AlisaError(dictation.id === 'sherpa' ? 'stt_model_missing' : 'voice_unavailable', state.reason ?? `${dictation.id} is not usable.`);
  }
  const r = await recognize({ dictation, commands: engines.commands }, pcm, false);
  process.stdout.write(`${JSON.stringify({ engine: r.engine, text: r.text, ms: r.ms })}\n`);
  return 0;
}

runCli(main);
