// The embeddings of memories (issue 17, schema v9 memory_vectors): one vector per memory, tagged
// with the model that made it. Vectors of another model, and vectors of a text since edited, are
// missing as far as `factsLackingVector` is concerned, so the background indexer
// (memory-recall/memory-vectors.ts) makes them again. A vector goes with its memory (ON DELETE
// CASCADE): forgetting a memory leaves no vector behind. Stored as little-endian float32 bytes.
import type { ClientWorkspace, MemoryFact } from '../../protocol';
import type { MemoryScope } from '../../protocol/memory';
import type { Db } from './database';
import { FactStore } from './fact-store';

export interface StoredVector {
  id: number;
  /** The memory's workspace (null: global), for filtering by place without reading the row. */
  workspace: string | null;
  vector: Float32Array;
}

function statements(db: Db) {
  return {
    lacking: db.prepare<{ model: string; limit: number }, { id: number; text: string; workspace: string | null }>(
      `SELECT m.id, m.text, m.workspace FROM memories m LEFT JOIN memory_vectors v ON v.memory_id = m.id
       WHERE v.memory_id IS NULL OR v.model <> @model ORDER BY m.id DESC LIMIT @limit`,
    ),
    // Only while the memory still has the text the vector was made of (it may have been edited or
    // forgotten while the model worked).
    put: db.prepare(
      `INSERT INTO memory_vectors (memory_id, model, vector) SELECT id, @model, @vector FROM memories WHERE id = @id AND text = @text
       ON CONFLICT (memory_id) DO UPDATE SET model = excluded.model, vector = excluded.vector`,
    ),
    forget: db.prepare('DELETE FROM memory_vectors WHERE memory_id = ?'),
    all: db.prepare<[string], { id: number; workspace: string | null; vector: Buffer }>(
      'SELECT v.memory_id AS id, m.workspace, v.vector FROM memory_vectors v JOIN memories m ON m.id = v.memory_id WHERE v.model = ?',
    ),
    one: db.prepare<[number, string], { id: number; workspace: string | null; vector: Buffer }>(
      'SELECT v.memory_id AS id, m.workspace, v.vector FROM memory_vectors v JOIN memories m ON m.id = v.memory_id WHERE v.memory_id = ? AND v.model = ?',
    ),
    count: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM memory_vectors WHERE model = ?'),
  };
}

function toVector(bytes: Buffer): Float32Array {
  // A copy: the Buffer may be a view into a pool whose offset is not 4-byte aligned.
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

function toStored(r: { id: number; workspace: string | null; vector: Buffer }): StoredVector {
  return { id: r.id, workspace: r.workspace, vector: toVector(r.vector) };
}

/** The vector methods of MemoryStore. */
export abstract class VectorStore extends FactStore {
  private vectorSql: ReturnType<typeof statements> | null = null;

  private get vsql(): ReturnType<typeof statements> {
    this.vectorSql ??= statements(this.db);
    return this.vectorSql;
  }

  /** A changed text makes the old vector wrong: it goes in the same transaction as the change. */
  override updateFact(id: number, patch: { text?: string; scope?: MemoryScope; pinned?: boolean }, workspace: ClientWorkspace | null): MemoryFact {
    return this.transaction(() => {
      const before = patch.text === undefined ? null : this.getFact(id);
      const fact = super.updateFact(id, patch, workspace);
      if (before && before.text !== fact.text) this.vsql.forget.run(id);
      return fact;
    });
  }

  /** Memories with no vector of `model` (none, or another model's, or dropped by an edit), newest first. */
  factsLackingVector(model: string, limit: number): Array<{ id: number; text: string; workspace: string | null }> {
    return this.guard(() => this.vsql.lacking.all({ model, limit }));
  }

  /**
   * Stores the vectors `model` made of each memory's `text`, in one transaction; answers the ids
   * stored (a memory gone, or whose text changed since, is left out).
   */
  putFactVectors(model: string, items: ReadonlyArray<{ id: number; text: string; vector: Float32Array }>): number[] {
    return this.write(() =>
      items
        .filter(
          ({ id, text, vector }) =>
            this.vsql.put.run({ id, model, text, vector: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength) }).changes > 0,
        )
        .map((item) => item.id),
    );
  }

  /** Every vector of `model`, with its memory's workspace (for the in-memory index). */
  factVectors(model: string): StoredVector[] {
    return this.guard(() => this.vsql.all.all(model).map(toStored));
  }

  factVector(id: number, model: string): StoredVector | null {
    return this.guard(() => {
      const r = this.vsql.one.get(id, model);
      return r ? toStored(r) : null;
    });
  }

  countFactVectors(model: string): number {
    return this.guard(() => this.vsql.count.get(model)!.n);
  }
}
