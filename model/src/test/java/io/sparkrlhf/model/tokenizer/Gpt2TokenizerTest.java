package io.sparkrlhf.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
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
}
