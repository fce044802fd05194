package io.sparkrlhf.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HfJsonTokenizerTest {
  private final TextTokenizer tok =
      TokenizerSpec.huggingFaceJson(TinyTokenizerJson.json(), TinyTokenizerJson.EOS, "tiny.json").load();

  @Test
  void appliesTheFilesMergesAndFindsEos() {
    Map<String, Integer> vocab = TinyTokenizerJson.vocab();
    // "hello" merges to one token; " w" to "Ġw"; "orld" stays bytes.
    int[] expected = {
      vocab.get("hello"), vocab.get("Ġw"), vocab.get("o"), vocab.get("r"), vocab.get("l"), vocab.get("d")
    };
    assertArrayEquals(expected, tok.encode("hello world"));
    assertEquals(vocab.get(TinyTokenizerJson.EOS), tok.eosTokenId());
    assertEquals(vocab.size(), tok.vocabSize());
  }

  @ParameterizedTest
  @ValueSource(strings = {"hello world", "Question: x?\n\nAnswer: ", "ünïcödé ✓ 日本", "a\r\nb\tc"})
  void roundTripsAnyTextThroughBytes(String text) {
    assertEquals(text, tok.decode(tok.encode(text)));
  }

  @Test
  void unknownEosTokenIsAClearError() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new HfJsonTokenizer(TinyTokenizerJson.json(), "<eos-not-there>", "tiny.json"));
    assertTrue(e.getMessage().contains("<eos-not-there>") && e.getMessage().contains("tiny.json"), e.getMessage());
  }

  @Test
  void notATokenizerFileIsAClearError() {
    byte[] notJson = "{not json".getBytes(StandardCharsets.UTF_8);
    IllegalArgumentException e1 =
        assertThrows(IllegalArgumentException.class, () -> new HfJsonTokenizer(notJson, "</s>", "bad.json"));
    assertTrue(e1.getMessage().contains("bad.json"), e1.getMessage());
    byte[] noModel = "{\"version\":\"1.0\"}".getBytes(StandardCharsets.UTF_8);
    IllegalArgumentException e2 =
        assertThrows(IllegalArgumentException.class, () -> new HfJsonTokenizer(noModel, "</s>", "other.json"));
    assertTrue(e2.getMessage().contains("model"), e2.getMessage());
  }

  @Test
  void specialTokensReadsStringAndObjectForms() {
    byte[] plain = "{\"eos_token\":\"</s>\"}".getBytes(StandardCharsets.UTF_8);
    byte[] object = "{\"eos_token\":{\"content\":\"<|im_end|>\",\"lstrip\":false}}".getBytes(StandardCharsets.UTF_8);
    assertEquals("</s>", SpecialTokens.find(plain, "eos_token", "a").orElseThrow());
    assertEquals("<|im_end|>", SpecialTokens.find(object, "eos_token", "b").orElseThrow());
    assertTrue(SpecialTokens.find(plain, "pad_token", "a").isEmpty());
  }

  @Test
  void bosIsAddedOnlyWhenTheConfigSaysSo() {
    byte[] llamaStyle = "{\"add_bos_token\": true, \"bos_token\": \"h\", \"eos_token\": \"</s>\"}".getBytes(StandardCharsets.UTF_8);
    byte[] gpt2Style = "{\"add_bos_token\": false, \"bos_token\": \"h\"}".getBytes(StandardCharsets.UTF_8);
    assertEquals("h", SpecialTokens.bosToAdd(llamaStyle, "a").orElseThrow());
    assertTrue(SpecialTokens.bosToAdd(gpt2Style, "b").isEmpty());
    TextTokenizer withBos = TokenizerSpec.huggingFaceJson(TinyTokenizerJson.json(), "</s>", "h", "tiny.json").load();
    assertEquals(TinyTokenizerJson.vocab().get("h"), withBos.bosTokenId().getAsInt());
    assertTrue(tok.bosTokenId().isEmpty());
    assertThrows(IllegalArgumentException.class,
        () -> new HfJsonTokenizer(TinyTokenizerJson.json(), "</s>", "<nope>", "tiny.json"));
  }

  @Test
  void specWithoutEosIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> TokenizerSpec.huggingFaceJson(TinyTokenizerJson.json(), "", "x"));
  }
}
