package io.sparkrlhf.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * LLaMA-3 and Qwen2.5 tokenizer.json layouts (see {@link ModernTokenizerJson}) through DJL's
 * binding of the Rust tokenizers library, against ids worked out by hand from the file's rules.
 *
 * <p>Byte symbol ids (bytes_to_unicode order): a printable byte b in 33..126 has id b − 33, in
 * 161..172 id 94 + (b − 161), in 174..255 id 106 + (b − 174); the others (0..32, 127..160, 173),
 * in byte order, take 188..255 (space = 188 + 32 = 220). Merge results: He 256, ll 257, Hell 258,
 * Hello 259, Ġw 260, or 261, Ġwor 262, ld 263, Ġworld 264, 12 265, Ã© 266; Ġthere 267.
 */
class ModernTokenizersTest {
  private static final TextTokenizer LLAMA3 =
      TokenizerSpec.huggingFaceJson(ModernTokenizerJson.llama3(), "<|eot_id|>", "llama3/tokenizer.json").load();
  private static final TextTokenizer QWEN2 =
      TokenizerSpec.huggingFaceJson(ModernTokenizerJson.qwen2(), "<|im_end|>", "qwen2.5/tokenizer.json").load();

  @Test
  void vocabularySizesAndSpecialIdsAreTheRealOnes() {
    assertEquals(128256, LLAMA3.vocabSize());
    assertEquals(128009, LLAMA3.eosTokenId());
    assertEquals(151657, QWEN2.vocabSize());
    assertEquals(151645, QWEN2.eosTokenId());
  }

  @Test
  void mergesApplyWithinPreTokens() {
    // "Hello" → H e l l o → He, ll → Hell → Hello; " world" → Ġ w o r l d → Ġw, or, ld → Ġwor → Ġworld
    assertArrayEquals(new int[] {259, 264}, LLAMA3.encode("Hello world"));
    assertArrayEquals(new int[] {259, 264}, QWEN2.encode("Hello world"));
  }

  @Test
  void llama3GroupsDigitsByThreeQwenSplitsEveryDigit() {
    // LLaMA-3: \p{N}{1,3} → "123", "45"; "123" → 1 2 3 → "12" (265), "3" (51 − 33 = 18); "45" → 19, 20.
    assertArrayEquals(new int[] {265, 18, 19, 20}, LLAMA3.encode("12345"));
    // Qwen: \p{N} → five pre-tokens, so merge "1 2" never applies: 16, 17, 18, 19, 20.
    assertArrayEquals(new int[] {16, 17, 18, 19, 20}, QWEN2.encode("12345"));
  }

  @Test
  void llama3IgnoreMergesTakesAWholeWordFromTheVocabulary() {
    // " there" is Ġthere (267) in the vocabulary, but no merge builds it.
    assertArrayEquals(new int[] {267}, LLAMA3.encode(" there"));
    // Qwen: bytes Ġ t h e r e → 220, 116−33=83, 104−33=71, 101−33=68, 114−33=81, 68.
    assertArrayEquals(new int[] {220, 83, 71, 68, 81, 68}, QWEN2.encode(" there"));
  }

  @Test
  void specialTokensInTheTextBecomeTheirIds() {
    // "hi<|eot_id|>" → "hi" (h 104 − 33 = 71, i 72) then 128009; "user" → u 84, s 82, e 68, r 81.
    assertArrayEquals(new int[] {71, 72, 128009}, LLAMA3.encode("hi<|eot_id|>"));
    assertArrayEquals(new int[] {128006, 84, 82, 68, 81, 128007},
        LLAMA3.encode("<|start_header_id|>user<|end_header_id|>"));
    // <|im_start|> 151644, "user" u 117−33=84... → 84, 82, 68, 81, then "\n" is byte 10 → 188 + 10 = 198.
    assertArrayEquals(new int[] {151644, 84, 82, 68, 81, 198, 151645},
        QWEN2.encode("<|im_start|>user\n<|im_end|>"));
  }

  @Test
  void nonAsciiGoesThroughUtf8BytesAndQwenNormalisesToNfc() {
    // "é" = C3 A9: Ã (195 → 106 + 21 = 127) © (169 → 94 + 8 = 102), merged "Ã ©" → 266.
    // "café" is one \p{L}+ pre-token: c 66, a 64, f 69, Ã© 266.
    assertArrayEquals(new int[] {66, 64, 69, 266}, LLAMA3.encode("café"));
    assertArrayEquals(new int[] {66, 64, 69, 266}, QWEN2.encode("café"));
    // Decomposed "e" + U+0301: Qwen's NFC makes it "é"; LLaMA-3 has no normalizer:
    // e 68, then U+0301 = CC 81: Ì (204 → 106 + 30 = 136), byte 129 → 188 + 33 + 2 = 223.
    assertArrayEquals(new int[] {66, 64, 69, 266}, QWEN2.encode("cafe\u0301"));
    assertArrayEquals(new int[] {66, 64, 69, 68, 136, 223}, LLAMA3.encode("cafe\u0301"));
    // 日 = E6 97 A5: 230 → 106 + 56 = 162; 151 → 188 + 33 + 24 = 245; 165 → 94 + 4 = 98.
    assertArrayEquals(new int[] {162, 245, 98}, LLAMA3.encode("日"));
    for (String s : new String[] {"café 日本 ✓", "Hello world\n\n12345", "<|im_start|>x"}) {
      assertEquals(s, QWEN2.decode(QWEN2.encode(s)).replace("cafe\u0301", "café"));
    }
    assertEquals("Hello world 12345 日", LLAMA3.decode(LLAMA3.encode("Hello world 12345 日")));
  }
}
