// Bundling TypeScript for a bench to run on this Node with esbuild: bundled, for Node 20,
// warnings and errors logged; `options` (entry, output, format, externals...) add to these or override them.
import { build } from 'esbuild';

export function bundleForNode(options) {
  return build({ bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', ...options });
}
