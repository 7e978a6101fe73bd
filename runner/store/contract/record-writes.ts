import { nextWrite, type Sent } from '../../sessions/session-writer.ts';
import type { SessionRecord, SessionStore } from '../types.ts';

/**
 * Writes one record to a store step by step, as the session writer writes a live session: each
 * write carries what changed since the last one (sessions/session-writer.ts). Tests change the
 * record between writes as a session would: replace the snapshot, move the accepted ids on,
 * append to the transcript (`cut()` after taking entries off its front).
 */
export class RecordWrites {
  private prior: Sent | undefined;
  private persisted: number | undefined;

  constructor(private readonly store: SessionStore) {}

  async put(record: SessionRecord, fence?: number): Promise<void> {
    const { info, inbox, transcript, snapshot, acceptedMessageIds } = record;
    const made = nextWrite(this.prior, {
      id: info.id,
      info,
      inbox,
      transcript,
      transcriptOffset: 0,
      persistedTranscript: this.persisted,
      snapshot,
      acceptedIds: acceptedMessageIds,
    });
    this.prior = made.sent;
    try {
      await this.store.putSession({ ...made.write, fence });
    } catch (error) {
      this.prior = undefined;
      throw error;
    }
    this.persisted = made.write.transcript.length;
  }

  /** The record's transcript lost entries at its front: the next write sends it whole. */
  cut(): void {
    this.persisted = undefined;
  }
}
