// Your own avatars (issue 18) in a real extension host: "Alisa: Import Avatar…" given a VRM file
// (as the explorer's context menu calls it; the open dialog needs a click) stores it through the
// real companion into the data folder and answers with it; "avatar.list" then lists it with its
// thumbnail; given a sprite folder it imports a sprite set. Validation, serving and deletion are
// tested against the real companion in tests/avatar-store.test.ts.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AvatarInfo } from '../../protocol/avatar';

type Test = (name: string, fn: () => Promise<void>) => void;

/** A 2×2 PNG (a real one: signature, IHDR, IDAT, IEND with their CRCs). */
const PNG_2X2 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAEUlEQVR4AWM8AQQMQMDEAAUAMKYDJOk+9mYAAAAASUVORK5CYII=', 'base64');

export function registerAvatarTests(test: Test): void {
  test('avatars: the import command stores a VRM and a sprite folder in the data folder', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-host-avatars-'));
    // The suite is bundled into dist-test/: the fixture is in the repository's tests/.
    const fixture = path.join(__dirname, '..', 'tests', 'fixtures', 'avatar', 'alisa-test.vrm');
    const sprites = path.join(dir, `Host Sprites ${Date.now()}`);
    mkdirSync(sprites);
    writeFileSync(path.join(sprites, 'neutral.png'), PNG_2X2);
    writeFileSync(path.join(sprites, 'happy.png'), PNG_2X2);
    try {
      // The command answers undefined until the companion is connected (it says why in a message).
      const deadline = Date.now() + 90_000;
      let model: AvatarInfo | undefined;
      while (!model) {
        model = await vscode.commands.executeCommand<AvatarInfo | undefined>('alisa.importAvatar', vscode.Uri.file(fixture));
        if (model) break;
        if (Date.now() > deadline) throw new Error('the avatar was not imported within 90 s (is the companion connected?)');
        await new Promise((r) => setTimeout(r, 1000));
      }
      assert.equal(model.kind, 'vrm');
      assert.equal(model.vrmVersion, '1.0');
      assert.match(model.url ?? '', /^\/avatars\/[a-z0-9-]+\/model\.vrm$/);
      assert.ok(model.thumbnailUrl, 'a thumbnail was made on import');

      const set = await vscode.commands.executeCommand<AvatarInfo | undefined>('alisa.importAvatar', vscode.Uri.file(sprites));
      assert.ok(set, 'the sprite folder was imported');
      assert.equal(set.kind, 'sprites');
      assert.equal(set.images, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
