// Character cards (issue 18) in a real extension host: "Alisa: Import Character Card…" given a card
// file (as another extension or a context menu would call it; the open dialog needs a click) stores
// her in the real companion and answers with her; "Export Character Card…" given her id and a
// target writes a PNG with both `chara` and `ccv3` chunks, and a JSON file, holding the same card.
// Validation, conflicts and the round trip are tested against the real companion in
// tests/character-cards.test.ts.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Character } from '../../protocol/common';

type Test = (name: string, fn: () => Promise<void>) => void;

/** The base64 JSON of a tEXt chunk `keyword` (no CRC check here: the companion's tests do that). */
function textChunk(png: Buffer, keyword: string): unknown {
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'tEXt') {
      const data = png.subarray(at + 8, at + 8 + len);
      const nul = data.indexOf(0);
      if (data.toString('latin1', 0, nul) === keyword) return JSON.parse(Buffer.from(data.toString('latin1', nul + 1), 'base64').toString('utf8'));
    }
    at += 12 + len;
  }
  return undefined;
}

export function registerCharacterCardTests(test: Test): void {
  test('character cards: the import command stores a card; the export command writes it back as PNG and JSON', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'alisa-host-cards-'));
    const name = `Host Card ${Date.now()}`;
    const card = {
      spec: 'chara_card_v2',
      spec_version: '2.0',
      data: {
        name,
        description: '{{char}} tests the extension host.',
        personality: 'thorough',
        scenario: '',
        first_mes: 'Ready, {{user}}?',
        mes_example: '',
        tags: ['test'],
        extensions: { kept: { a: 1 } },
      },
    };
    const file = path.join(dir, 'card.json');
    writeFileSync(file, JSON.stringify(card));
    try {
      // The command answers undefined until the companion is connected (it says why in a message).
      const deadline = Date.now() + 90_000;
      let imported: Character | undefined;
      while (!imported) {
        imported = await vscode.commands.executeCommand<Character | undefined>('alisa.importCharacterCard', vscode.Uri.file(file));
        if (imported) break;
        if (Date.now() > deadline) throw new Error('the card was not imported within 90 s (is the companion connected?)');
        await new Promise((r) => setTimeout(r, 1000));
      }
      assert.equal(imported.name, name);
      assert.equal(imported.greeting, 'Ready, {{user}}?');
      assert.equal(imported.card?.spec, 'chara_card_v2');

      const png = vscode.Uri.file(path.join(dir, 'out.png'));
      const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('alisa.exportCharacterCard', imported.id, png);
      assert.equal(written?.fsPath, png.fsPath);
      const bytes = readFileSync(png.fsPath);
      assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.deepEqual((textChunk(bytes, 'chara') as typeof card).data, card.data);
      assert.deepEqual((textChunk(bytes, 'ccv3') as typeof card).data, card.data);

      const json = vscode.Uri.file(path.join(dir, 'out.json'));
      await vscode.commands.executeCommand('alisa.exportCharacterCard', imported.id, json);
      assert.deepEqual(JSON.parse(readFileSync(json.fsPath, 'utf8')), card);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
