package io.sparkrlhf.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SequencePackerTest {
  @Test
  void handWorkedExample() {
    SequencePacker p = new SequencePacker(4);
    List<SequencePacker.Block> blocks = new ArrayList<>();
    blocks.addAll(p.add(new int[] {1, 2, 0}));        // doc A
    blocks.addAll(p.add(new int[] {3, 4, 5, 6, 0})); // doc B, crosses a boundary
    blocks.addAll(p.add(new int[] {7, 0}));          // doc C, left in the tail
    assertEquals(2, blocks.size());
    assertArrayEquals(new int[] {1, 2, 0, 3}, blocks.get(0).inputIds());
    assertArrayEquals(new int[] {0, 0, 0, 1}, blocks.get(0).docIds());
    assertArrayEquals(new int[] {4, 5, 6, 0}, blocks.get(1).inputIds());
    assertArrayEquals(new int[] {0, 0, 0, 0}, blocks.get(1).docIds());
    assertEquals(2, p.finish()); // {7, 0} dropped
  }

  @Test
  void randomStreamsConcatenateBackWithCorrectDocumentIds() {
    Random rnd = new Random(7);
    for (int trial = 0; trial < 50; trial++) {
      int seqLen = 2 + rnd.nextInt(40);
      SequencePacker packer = new SequencePacker(seqLen);
      List<int[]> docs = new ArrayList<>();
      List<Integer> stream = new ArrayList<>();
      List<Integer> docOfToken = new ArrayList<>();
      List<SequencePacker.Block> blocks = new ArrayList<>();
      for (int d = 0; d < 1 + rnd.nextInt(30); d++) {
        int[] doc = new int[rnd.nextInt(3 * seqLen)];
        for (int i = 0; i < doc.length; i++) {
          doc[i] = rnd.nextInt(1000);
          stream.add(doc[i]);
          docOfToken.add(docs.size());
        }
        docs.add(doc);
        blocks.addAll(packer.add(doc));
      }
      long dropped = packer.finish();
      assertEquals(stream.size(), blocks.size() * (long) seqLen + dropped);
      for (int b = 0; b < blocks.size(); b++) {
        SequencePacker.Block block = blocks.get(b);
        assertEquals(seqLen, block.inputIds().length);
        assertEquals(seqLen, block.docIds().length);
        for (int i = 0; i < seqLen; i++) {
          int at = b * seqLen + i;
          assertEquals(stream.get(at), block.inputIds()[i]);
          // Same doc id within a block <=> same source document; ids count up from 0.
          int firstDocInBlock = docOfToken.get(b * seqLen);
          assertEquals(docOfToken.get(at) - firstDocInBlock - skippedEmpty(docs, firstDocInBlock, docOfToken.get(at)),
              block.docIds()[i], "trial " + trial + " block " + b + " pos " + i);
        }
      }
    }
  }

  /** Empty documents contribute no tokens, so they take no document id. */
  private static int skippedEmpty(List<int[]> docs, int from, int to) {
    int n = 0;
    for (int d = from + 1; d < to; d++) {
      if (docs.get(d).length == 0) {
        n++;
      }
    }
    return n;
  }

  @Test
  void rejectsDegenerateLengths() {
    assertThrows(IllegalArgumentException.class, () -> new SequencePacker(1));
  }
}
