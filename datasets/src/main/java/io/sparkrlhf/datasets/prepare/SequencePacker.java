package io.sparkrlhf.datasets.prepare;

import java.util.ArrayList;
import java.util.List;

/**
 * Concatenates tokenised documents (each already ending in EOS) and cuts the stream into blocks of
 * exactly {@code seqLen} tokens. Each block carries, per position, the index of the document the
 * token belongs to within that block (0, 1, 2, ...; a document cut across blocks continues as
 * index 0 of the next), so a trainer can keep attention inside documents. The final partial block
 * is dropped, as Hugging Face's {@code group_texts} does, and counted.
 */
public final class SequencePacker {

  /** One packed block; both arrays have length {@code seqLen}. */
  public record Block(int[] inputIds, int[] docIds) {}

  private final int seqLen;
  private final int[] ids;
  private final int[] docIds;
  private int filled;
  private int docInBlock;
  private long droppedTailTokens;

  public SequencePacker(int seqLen) {
    if (seqLen < 2) {
      throw new IllegalArgumentException("seq_len must be >= 2, found " + seqLen);
    }
    this.seqLen = seqLen;
    this.ids = new int[seqLen];
    this.docIds = new int[seqLen];
  }

  /** Adds one document; returns the blocks it completed (often none, several for a long document). */
  public List<Block> add(int[] document) {
    List<Block> done = new ArrayList<>(0);
    if (document.length == 0) {
      return done;
    }
    int doc = filled == 0 ? 0 : docInBlock + 1;
    int at = 0;
    while (at < document.length) {
      int n = Math.min(seqLen - filled, document.length - at);
      System.arraycopy(document, at, ids, filled, n);
      java.util.Arrays.fill(docIds, filled, filled + n, doc);
      filled += n;
      at += n;
      docInBlock = doc;
      if (filled == seqLen) {
        done.add(new Block(ids.clone(), docIds.clone()));
        filled = 0;
        doc = 0;
        docInBlock = 0;
      }
    }
    return done;
  }

  /** Ends the stream: the partial block, if any, is dropped. Returns the tokens dropped in all. */
  public long finish() {
    droppedTailTokens += filled;
    filled = 0;
    docInBlock = 0;
    return droppedTailTokens;
  }
}
