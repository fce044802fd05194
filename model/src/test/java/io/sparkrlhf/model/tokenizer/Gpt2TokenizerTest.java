package io.sparkrlhf.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Gpt2TokenizerTest {
  private final TextTokenizer gpt2 = Gpt2Tokenizer.instance();

  @Test
  void encodesKnownGpt2Ids() {
    // Ids from GPT-2's published vocabulary: "Hello" = 15496, " world" = 995.
    assertArrayEquals(new int[] {15496, 995}, gpt2.encode("Hello world"));
    assertEquals(50256, gpt2.eosTokenId());
    assertEquals(50257, gpt2.vocabSize());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Question: How do I sort a map?\n\nAnswer: ",
        "```java\nfor (int i = 0; i < n; i++) {}\n```",
        "naïve café — 日本語 🚀 emoji",
        "  leading and trailing spaces  \r\n",
        ""
      })
  void roundTripsText(String text) {
    assertEquals(text, gpt2.decode(gpt2.encode(text)));
  }

  @Test
  void specialTokenTextInUserContentStaysPlainText() {
    int[] ids = gpt2.encode("before <|endoftext|> after");
    assertFalse(Arrays.stream(ids).anyMatch(id -> id == Gpt2Tokenizer.EOS_TOKEN_ID));
    assertEquals("before <|endoftext|> after", gpt2.decode(ids));
  }

  @Test
  void specBuildsTheSameInstanceOncePerJvm() {
    TokenizerSpec spec = TokenizerSpec.gpt2();
    assertEquals(spec.load(), TokenizerSpec.gpt2().load());
    assertArrayEquals(gpt2.encode("same ids"), spec.load().encode("same ids"));
  }

  /**
   * The piece cache must give jtokkit's own ids for the whole text: random text over an alphabet
   * that exercises every branch of the split (contractions, letters with combining marks, digits,
   * punctuation runs, all kinds of whitespace, surrogate pairs), encoded twice so the second pass
   * is served from the cache, and with more distinct pieces than the cache holds.
   */
  @Test
  void pieceCacheGivesJtokkitsIdsForTheWholeText() {
    Gpt2Tokenizer tokenizer = Gpt2Tokenizer.instance();
    String[] atoms = {"a", "Z", "é", "e\u0301", "ß", "日本", "Ω", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S",
        "'", "0", "42", "٣", "½", " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", "\u00a0", "\u2028", "\u3000",
        ".", ",", "!?", "```", "->", "#", "<|endoftext|>", "🚀", "👍🏽", "\uD83D", "_", "-", "(", ")", "{}", "\"",
        "the", " the", "quick", "Brown", "fox", "x1", "http://example.com/a?b=c", "    indented", "tab\tbed"};
    Random random = new Random(7);
    int checked = 0;
    for (int pass = 0; pass < 2; pass++) {
      random.setSeed(7);
      for (int i = 0; i < 3000; i++) {
        StringBuilder text = new StringBuilder();
        int n = random.nextInt(40);
        for (int j = 0; j < n; j++) {
          text.append(atoms[random.nextInt(atoms.length)]);
          if (random.nextInt(4) == 0) { // a fresh word: many distinct pieces, more than the cache holds
            text.append(Integer.toString(random.nextInt(1 << 20), 36));
          }
        }
        String t = text.toString();
        assertArrayEquals(tokenizer.encodeUncached(t), tokenizer.encode(t), () -> "text: " + t);
        checked++;
      }
    }
    String longRun = "x".repeat(300) + " " + "-".repeat(500) + "\n".repeat(100);
    assertArrayEquals(tokenizer.encodeUncached(longRun), tokenizer.encode(longRun));
    assertEquals(6000, checked);
  }
}
