// Builds the three targets with esbuild:
//   extension  -> dist/extension.js   (node, cjs, `vscode` external)
//   companion  -> dist/companion.mjs  (node, esm, native and ESM-only packages external)
//   screen     -> dist/screen.mjs     (`npm run screen`, the screen-understanding CLI)
//   voice      -> dist/voice.mjs      (`npm run voice`, the voice CLI)
//   webview    -> dist/webview.js     (browser, iife)
//   hljs       -> dist/hljs/<name>.js (one syntax-highlighting language each, loaded on demand)
//   avatarVrm  -> dist/avatar-vrm.js  (the 3D avatar: three.js + three-vrm, loaded when a model is chosen)
// `node scripts/build.mjs [--watch] [--production] [target...]`
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const args = process.argv.slice(2);
const watch = args.includes('--watch');
const production = args.includes('--production');
const wanted = args.filter((a) => !a.startsWith('--'));

// zod re-exports ~50 locales (260 KB) that nothing here uses; only English error messages are
// kept (`z.config(en())` is what zod sets by default).
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`)
        ? { path: path.join(path.dirname(args.importer), '..', 'locales', 'en.js'), namespace: 'zod-locales' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

// Each language of webview/chat/code-languages.json as a script of its own that hands its
// highlight.js definition to the page (webview/chat/highlight.ts loads it when a code block in it
// shows up): the page bundle carries only highlight.js's core.
const codeLanguages = Object.keys(JSON.parse(readFileSync(path.join(root, 'webview', 'chat', 'code-languages.json'), 'utf8')));
const hljsLanguageEntries = {
  name: 'hljs-language-entries',
  setup(build) {
    build.onResolve({ filter: /^hljs-language:/ }, (args) => ({ path: args.path.slice('hljs-language:'.length), namespace: 'hljs-language' }));
    build.onLoad({ filter: /.*/, namespace: 'hljs-language' }, (args) => ({
      contents: `import language from 'highlight.js/lib/languages/${args.path}';\nwindow.__alisaCodeLanguage?.(${JSON.stringify(args.path)}, language);\n`,
      resolveDir: root,
      loader: 'js',
    }));
  },
};

const common = {
  plugins: [zodEnglishOnly],
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
  define: { __ALISA_VERSION__: JSON.stringify(pkg.version) },
};

/** @type {Record<string, import('esbuild').BuildOptions>} */
const targets = {
  extension: {
    ...common,
    entryPoints: ['extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'bufferutil', 'utf-8-validate'],
  },
  companion: {
    ...common,
    entryPoints: ['companion/main.ts'],
    outfile: 'dist/companion.mjs',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Native addons and ESM-only packages with their own binaries stay in node_modules.
    // ws's optional native speed-ups are left out; ws works without them.
    // tesseract.js starts its worker from a script path and screenshot-desktop ships helper
    // binaries: both are loaded from node_modules.
    external: [
      'better-sqlite3',
      'node-llama-cpp',
      'bufferutil',
      'utf-8-validate',
      'tesseract.js',
      'screenshot-desktop',
      'msedge-tts',
      'sherpa-onnx-node',
      '@vladmandic/human',
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-converter',
      '@tensorflow/tfjs-backend-wasm',
    ],
    banner: {
      js: "import { createRequire as __alisaCreateRequire } from 'node:module'; const require = __alisaCreateRequire(import.meta.url);",
    },
  },
  get screen() {
    return { ...this.companion, entryPoints: ['companion/screen/cli.ts'], outfile: 'dist/screen.mjs' };
  },
  get voice() {
    return { ...this.companion, entryPoints: ['companion/voice/cli.ts'], outfile: 'dist/voice.mjs' };
  },
  webview: {
    ...common,
    entryPoints: { webview: 'webview/main.ts', 'webview-style': 'webview/styles.css' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  // three.js and three-vrm (~700 KB minified) stay out of dist/webview.js: the SVG default
  // costs nothing, and avatar-stage.ts loads this script beside the page's when a model is chosen.
  avatarVrm: {
    ...common,
    entryPoints: { 'avatar-vrm': 'webview/avatar/vrm/entry.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
  },
  hljs: {
    ...common,
    plugins: [hljsLanguageEntries],
    entryPoints: codeLanguages.map((name) => ({ in: `hljs-language:${name}`, out: `hljs/${name}` })),
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    // Third-party grammars, read by nobody: always small, no source maps.
    minify: true,
    sourcemap: false,
  },
};

const selected = wanted.length ? wanted : Object.keys(targets);
for (const name of selected) {
  if (!targets[name]) {
    console.error(`Unknown build target "${name}". Known: ${Object.keys(targets).join(', ')}`);
    process.exit(2);
  }
}

if (watch) {
  for (const name of selected) {
    const ctx = await esbuild.context(targets[name]);
    await ctx.watch();
    console.error(`watching ${name}`);
  }
} else {
  const started = performance.now();
  await Promise.all(selected.map((name) => esbuild.build(targets[name])));
  console.error(`built ${selected.join(', ')} in ${Math.round(performance.now() - started)} ms`);
}
