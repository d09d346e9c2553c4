// character.import / export / portrait (protocol/character-cards.ts): the files around the pure
// card code (character-cards.ts). A card's image is her portrait, kept in the data folder as
// characters/<id>/card.png (the database holds its relative path), and her avatar: a sprite set
// of one neutral frame in the avatar store, marked `origin: card:<id>` and named after her, that her
// avatarId points at. Replacing her by a card replaces that avatar (never a second one); deleting
// her deletes it. Avatars the user imported are never touched. An image the store cannot use as a
// sprite (too many pixels, a PNG it cannot decode) does not stop the import: the result's warning
// says why she has no avatar of it.
//
// Import stores all or nothing: the card is read and checked completely first, the image written
// to a temporary file, then the row; a failure on the way removes what was written. A card named
// like an existing character answers `conflict` and stores nothing until the user chose.
import fs from 'node:fs';
import path from 'node:path';
import type { Character, Params, Result } from '../../protocol';
import { CARD_INLINE_MAX_BYTES } from '../../protocol';
import { findSecrets } from '../../common/privacy/redact';
import { AlisaError } from '../errors';
import type { MemoryStore } from '../memory';
import type { AvatarService } from '../avatars/avatar-service';
import {
  CARD_LIMITS,
  cardFileName,
  cardForExport,
  cardFromJson,
  cardJson,
  decodeBase64,
  mapCard,
  parseCard,
  placeholderPng,
  pngWithCard,
  type StoredCard,
} from './character-cards';

const PORTRAITS_DIR = 'characters';

export interface CharacterCardDeps {
  memory: () => MemoryStore;
  dataDir: string;
  /** The avatar store; absent (some tests): a card's image is her portrait only. */
  avatars?: AvatarService;
}

/** Marks the avatar a character's card made (AvatarStore Manifest.origin). */
const cardOrigin = (characterId: number) => `card:${characterId}`;

/** A path the user chose in a file dialog: absolute, with the card's extension. */
function checkCardPath(p: string, allowed: readonly string[]): string {
  if (!path.isAbsolute(p)) throw new AlisaError('invalid_argument', `The card path must be absolute, got ${JSON.stringify(p.slice(0, 200))}.`);
  const ext = path.extname(p).toLowerCase();
  if (!allowed.includes(ext))
    throw new AlisaError('invalid_argument', `A character card is a ${allowed.join(' or ')} file, not ${JSON.stringify(path.basename(p))}.`);
  return path.resolve(p);
}

function readCardFile(file: string): Buffer {
  let size: number;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new AlisaError('invalid_argument', `${file} is not a file.`);
    size = st.size;
  } catch (err) {
    if (err instanceof AlisaError) throw err;
    throw new AlisaError(
      'not_found',
      `Cannot read the card ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`,
      'Check that the file exists and can be read.',
    );
  }
  // Checked before reading: a huge file is refused without loading it.
  if (size > CARD_LIMITS.fileBytes) {
    throw new AlisaError(
      'invalid_argument',
      `The card file is ${(size / 1048576).toFixed(1)} MB; the limit is ${CARD_LIMITS.fileBytes / 1048576} MB.`,
      'Choose a smaller card.',
    );
  }
  return fs.readFileSync(file);
}

export class CharacterCardService {
  constructor(private readonly deps: CharacterCardDeps) {}

  import(p: Params<'character.import'>): Result<'character.import'> {
    let bytes: Buffer;
    if (p.path !== undefined) bytes = readCardFile(checkCardPath(p.path, ['.png', '.json']));
    else {
      bytes = decodeBase64(p.data ?? '', 'The card data');
      if (bytes.length > CARD_INLINE_MAX_BYTES) {
        throw new AlisaError(
          'invalid_argument',
          `The card is ${bytes.length} bytes; sent inline the limit is ${CARD_INLINE_MAX_BYTES}.`,
          'Import bigger cards from VS Code (Alisa: Import Character Card…).',
        );
      }
    }
    const { card, image } = parseCard(bytes);
    const mapped = mapCard(card);
    const cardText = JSON.stringify(card);
    // Her card goes to the database and her persona to the model: neither takes a secret.
    const secrets = findSecrets(cardText);
    if (secrets.length > 0) {
      const kinds = [...new Set(secrets.map((s) => s.kind))].join(', ');
      throw new AlisaError(
        'invalid_argument',
        `The card holds what looks like a secret (${kinds}); Alisa does not store secrets.`,
        'Remove it from the card in its editor and import it again.',
      );
    }
    const memory = this.deps.memory();
    const same = memory.listCharacters().find((c) => c.name.toLocaleLowerCase() === mapped.name.toLocaleLowerCase());
    const onConflict = p.onConflict ?? 'ask';
    if (same && onConflict === 'ask') return { status: 'conflict', character: same, cardName: mapped.name };
    if (same && onConflict === 'replace' && same.builtin) {
      throw new AlisaError('forbidden', `The built-in ${same.name} cannot be replaced by a card.`, 'Import it as another character (keep both).');
    }
    // The image first, under a temporary name: if the row cannot be written, it goes again.
    const dir = path.join(this.deps.dataDir, PORTRAITS_DIR);
    let tmp: string | null = null;
    if (image) {
      fs.mkdirSync(dir, { recursive: true });
      tmp = path.join(dir, `.import-${process.pid}-${Date.now()}.png`);
      fs.writeFileSync(tmp, image);
    }
    const names = new Set(memory.listCharacters().map((c) => c.name.toLocaleLowerCase()));
    // Keeping both: the new one gets a name of her own ("Mika 2"), or the menu shows two Mikas.
    let name = mapped.name;
    for (let n = 2; same && onConflict === 'keepBoth' && names.has(name.toLocaleLowerCase()); n++) name = `${mapped.name.slice(0, 75)} ${n}`;
    let character: Character | null = null;
    let created = false;
    try {
      if (same && onConflict === 'replace') {
        character = memory.updateCharacter(same.id, {
          name: mapped.name,
          systemPrompt: mapped.systemPrompt,
          greeting: mapped.greeting,
          card: cardText,
          ...(mapped.voice !== undefined ? { voice: mapped.voice } : {}),
        });
      } else {
        character = memory.createCharacter({ name, systemPrompt: mapped.systemPrompt, greeting: mapped.greeting, voice: mapped.voice ?? null, card: cardText });
        created = true;
      }
      character = this.placePortrait(memory, character, tmp);
      tmp = null;
      const placed = this.placeAvatar(memory, character, image);
      return {
        status: created ? 'imported' : 'replaced',
        character: placed.character,
        cardName: mapped.name,
        ...(placed.warning ? { warning: placed.warning } : {}),
      };
    } catch (err) {
      if (created && character) {
        memory.deleteCharacter(character.id);
        this.removeFiles(character.id);
      }
      throw err;
    } finally {
      if (tmp) fs.rmSync(tmp, { force: true });
    }
  }

  /** Moves the new image into her folder (or removes an old one when the new card has none). */
  private placePortrait(memory: MemoryStore, c: Character, tmp: string | null): Character {
    const rel = path.posix.join(PORTRAITS_DIR, String(c.id), 'card.png');
    const file = path.join(this.deps.dataDir, rel);
    if (tmp) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.renameSync(tmp, file);
      return memory.updateCharacter(c.id, { portrait: rel });
    }
    if (!c.portrait) return c;
    fs.rmSync(file, { force: true });
    return memory.updateCharacter(c.id, { portrait: null });
  }

  /**
   * Her card's image becomes her avatar (replacing the one her previous card made), or, when the
   * card has no usable image, the previous card's avatar goes. Never throws: a failure is a warning.
   */
  private placeAvatar(memory: MemoryStore, c: Character, image: Buffer | null): { character: Character; warning?: string } {
    const avatars = this.deps.avatars;
    if (!avatars) return { character: c };
    const origin = cardOrigin(c.id);
    const old = avatars.store.withOrigin(origin)[0];
    let warning: string | undefined;
    if (image) {
      try {
        const { avatar } = avatars.importFrames(new Map([['neutral', image]]), {
          name: c.name,
          source: 'card.png',
          origin,
          ...(old ? { replaceId: old } : {}),
        });
        return { character: memory.updateCharacter(c.id, { avatarId: avatar.id }) };
      } catch (err) {
        warning = `Her card's image did not become her avatar: ${(err as Error).message}`;
      }
    }
    // What the previous card made shows the previous card: it goes, and she has the default.
    try {
      if (old) avatars.deleteOrigin(origin);
      if (old && c.avatarId === old) c = memory.updateCharacter(c.id, { avatarId: null });
    } catch (err) {
      warning ??= `Her previous card's avatar could not be removed: ${(err as Error).message}`;
    }
    return warning ? { character: c, warning } : { character: c };
  }

  export(p: Params<'character.export'>): Result<'character.export'> {
    const memory = this.deps.memory();
    const c = memory.getCharacter(p.characterId);
    if (!c) throw new AlisaError('not_found', `There is no character ${p.characterId}.`);
    const row = memory.characterCardRow(c.id);
    const stored: StoredCard | null = row.card ? cardFromJson(row.card, 'The stored card') : null;
    const card = cardForExport(c, stored);
    let bytes: Buffer;
    let placeholderImage = false;
    if (p.format === 'json') bytes = Buffer.from(cardJson(card), 'utf8');
    else {
      // Her card's image; else her sprite avatar's neutral frame; else a plain square.
      const image = this.portraitBytes(row.portrait) ?? (c.avatarId ? (this.deps.avatars?.store.spriteFrame(c.avatarId) ?? null) : null);
      placeholderImage = image === null;
      bytes = pngWithCard(image ?? placeholderPng(), cardJson(card, 'chara_card_v2'), cardJson(card, 'chara_card_v3'));
    }
    const fileName = cardFileName(c.name, p.format);
    if (p.path === undefined)
      return {
        format: p.format,
        fileName,
        content: p.format === 'json' ? bytes.toString('utf8') : bytes.toString('base64'),
        bytes: bytes.length,
        placeholderImage,
      };
    const file = checkCardPath(p.path, [`.${p.format}`]);
    if (!p.overwrite && fs.existsSync(file)) {
      throw new AlisaError('invalid_argument', `${file} already exists; it was left as it is.`, 'Choose another name, or confirm replacing it (overwrite).');
    }
    // Written beside it and renamed: a failed write never leaves half a card where a good file was.
    const tmp = `${file}.alisa-${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, bytes);
      fs.renameSync(tmp, file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw new AlisaError(
        'invalid_argument',
        `Cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`,
        'Choose a folder you can write to.',
      );
    }
    return { format: p.format, fileName, path: file, bytes: bytes.length, placeholderImage };
  }

  portrait(characterId: number): Result<'character.portrait'> {
    const memory = this.deps.memory();
    if (!memory.getCharacter(characterId)) throw new AlisaError('not_found', `There is no character ${characterId}.`);
    const bytes = this.portraitBytes(memory.characterCardRow(characterId).portrait);
    return bytes ? { mimeType: 'image/png', data: bytes.toString('base64') } : null;
  }

  /** After a character was deleted: her folder goes too, and the avatar her card made (not ones the user imported). */
  removeFiles(characterId: number): void {
    fs.rmSync(path.join(this.deps.dataDir, PORTRAITS_DIR, String(characterId)), { recursive: true, force: true });
    this.deps.avatars?.deleteOrigin(cardOrigin(characterId));
  }

  private portraitBytes(rel: string | null): Buffer | null {
    if (!rel) return null;
    const file = path.resolve(this.deps.dataDir, rel);
    // The column is ours, but a path out of the data folder is never followed.
    if (!file.startsWith(path.resolve(this.deps.dataDir, PORTRAITS_DIR) + path.sep)) return null;
    try {
      return fs.readFileSync(file);
    } catch {
      return null;
    }
  }
}
