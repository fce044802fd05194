package io.sparkrlhf.datasets.hh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class HhTranscriptPairTest {
  @Test
  void theSharedPrefixUpToTheLastCommonAssistantTurnIsThePrompt() {
    String prefix = "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: How do I boil an egg?\n\nAssistant:";
    HhTranscriptPair.Split s = HhTranscriptPair.split(prefix + " Put it in boiling water for 8 minutes.",
        prefix + " Put it in the microwave.");
    assertNull(s.badReason());
    assertEquals(prefix, s.pair().prompt());
    assertEquals("Put it in boiling water for 8 minutes.", s.pair().chosen());
    assertEquals("Put it in the microwave.", s.pair().rejected());
  }

  @Test
  void transcriptsThatDifferEarlierSplitAtTheLastAssistantTurnTheyShare() {
    // The second assistant turn already differs: the prompt ends at the first one.
    String c = "\n\nHuman: A?\n\nAssistant: Yes.\n\nHuman: B?\n\nAssistant: No.";
    String r = "\n\nHuman: A?\n\nAssistant: Maybe.\n\nHuman: B?\n\nAssistant: No.";
    HhTranscriptPair.Split s = HhTranscriptPair.split(c, r);
    assertEquals("\n\nHuman: A?\n\nAssistant:", s.pair().prompt());
    assertEquals("Yes.\n\nHuman: B?\n\nAssistant: No.", s.pair().chosen());
  }

  @Test
  void badRowsAreNamedByReason() {
    assertEquals(HhTranscriptPair.NO_ASSISTANT_TURN,
        HhTranscriptPair.split("\n\nHuman: hi", "\n\nHuman: hi\n\nAssistant: x").badReason());
    assertEquals(HhTranscriptPair.NO_COMMON_PREFIX,
        HhTranscriptPair.split("\n\nHuman: A?\n\nAssistant: x", "\n\nHuman: B?\n\nAssistant: y").badReason());
    assertEquals(HhTranscriptPair.IDENTICAL_RESPONSES,
        HhTranscriptPair.split("\n\nHuman: A?\n\nAssistant: x ", "\n\nHuman: A?\n\nAssistant: x").badReason());
    assertEquals(HhTranscriptPair.MISSING_TRANSCRIPT, HhTranscriptPair.split(null, "x").badReason());
  }
}
