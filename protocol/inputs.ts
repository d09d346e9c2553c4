// Device inputs: the microphone (`voice.configure` `input`) and the camera (`presence.configure`
// `input`). The companion hands them to ffmpeg, sox or arecord as an argument, so they may only
// be "default", a device name, or a file path; never a URL or one of ffmpeg's protocols (ffmpeg
// would open a network stream, or `concat:`/`subfile:`/`pipe:` ...), and never anything that
// starts with '-' (a recorder would read it as an option).
//
// No zod and no other import here: the extension loads this at activation (protocol/voice.ts and
// protocol/rhythm.ts build their schemas on it).

/** ffmpeg's protocols (`ffmpeg -protocols`), which it opens given `name:` even without `//`. */
const FFMPEG_PROTOCOLS = new Set([
  'async',
  'bluray',
  'cache',
  'concat',
  'concatf',
  'crypto',
  'data',
  'dtls',
  'fd',
  'ffrtmpcrypt',
  'ffrtmphttp',
  'file',
  'ftp',
  'gopher',
  'gophers',
  'hls',
  'http',
  'httpproxy',
  'https',
  'icecast',
  'ipfs',
  'ipns',
  'md5',
  'mmsh',
  'mmst',
  'pipe',
  'prompeg',
  'rist',
  'rtmp',
  'rtmpe',
  'rtmps',
  'rtmpt',
  'rtmpte',
  'rtmpts',
  'rtp',
  'rtsp',
  'rtsps',
  'sctp',
  'sftp',
  'smb',
  'srt',
  'srtp',
  'subfile',
  'tcp',
  'tee',
  'tls',
  'udp',
  'udplite',
  'unix',
  'zmq',
  'ws',
  'wss',
  'ssh',
  'libssh',
  'librist',
  'libsrt',
  'librtmp',
  'android_content',
  'fuse',
  'ndi',
]);

export const DEVICE_INPUT_HELP = 'Use "default", a device name, or the path of an existing file.';

/**
 * Why `input` cannot be a device input, in words for the user (naming `label`, e.g. "The voice
 * input"), or null when it is acceptable. An empty input means "default".
 */
export function deviceInputProblem(input: string, label = 'The input'): string | null {
  const t = input.trim();
  if (t === '') return null;
  if (/[\u0000-\u001f\u007f]/.test(t)) return `${label} contains control characters. ${DEVICE_INPUT_HELP}`;
  if (t.startsWith('-')) return `${label} "${t.slice(0, 80)}" starts with "-", which a recorder would take as an option. ${DEVICE_INPUT_HELP}`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t))
    return `${label} "${t.slice(0, 80)}" is a URL; Alisa reads only this machine's devices and files. ${DEVICE_INPUT_HELP}`;
  // A scheme of two letters or more (one letter is a Windows drive, `C:\...`).
  const scheme = /^([a-z][a-z0-9+._-]+):/i.exec(t)?.[1]?.toLowerCase();
  if (scheme && FFMPEG_PROTOCOLS.has(scheme)) {
    return `${label} "${t.slice(0, 80)}" names a stream protocol ("${scheme}:"), not a device or file. ${DEVICE_INPUT_HELP}`;
  }
  return null;
}
