package io.sparkrlhf.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A LLaMA-2 tokenizer.json as published: string merges with space-only tokens, byte fallback, ▁. */
class Llama2TokenizerTest {
  static final List<String> TEXTS = List.of("Hello world", "Hello  world", "x é", "    ", "the Hello",
      "world\tHello\n", "日本 ✓", "");
  private static final Map<String, Integer> V = Llama2TokenizerJson.vocab();

  @TempDir Path dir;

  private TextTokenizer load(byte[] json, String name) throws Exception {
    Path file = Files.write(dir.resolve(name), json);
    return TokenizerSpec.huggingFaceJson(Files.readAllBytes(file), "</s>", file.toString()).load();
  }

  @Test
  void theRustLibraryAloneRefusesTheFile() {
    Exception e = assertThrows(Exception.class, () -> HuggingFaceTokenizer.newInstance(
        new ByteArrayInputStream(Llama2TokenizerJson.stringMerges()), Map.of()));
    assertTrue(e.getMessage().contains("Merges text file invalid"), e.getMessage());
  }

  @Test
  void handWorkedIds() throws Exception {
    TextTokenizer tok = load(Llama2TokenizerJson.stringMerges(), "tokenizer.json");
    // ▁Hello▁world: l+l, H+e, He+ll, Hell+o, ▁+Hello, then o+r, ▁+w, ▁w+or, l+d, ▁wor+ld.
    assertArrayEquals(ids("▁Hello", "▁world"), tok.encode("Hello world"));
    // ▁+▁ (rank 3) comes before the merges that would build "▁w", so "world" is left in pieces.
    assertArrayEquals(ids("▁Hello", "▁▁", "w", "or", "ld"), tok.encode("Hello  world"));
    // x and é are not in the vocabulary: their UTF-8 bytes (é = C3 A9) as <0xNN> tokens.
    assertArrayEquals(ids("▁", "<0x78>", "▁", "<0xC3>", "<0xA9>"), tok.encode("x é"));
    // Five ▁ (the prepended one and four spaces): ▁▁ ▁▁ ▁ leftmost first, then ▁▁+▁▁.
    assertArrayEquals(ids("▁▁▁▁", "▁"), tok.encode("    "));
    assertEquals(V.get("</s>"), tok.eosTokenId());
    assertEquals(V.size(), tok.vocabSize());
  }

  @Test
  void matchesAPlainLoopBpeAndRoundTrips() throws Exception {
    TextTokenizer strings = load(Llama2TokenizerJson.stringMerges(), "strings.json");
    TextTokenizer pairs = load(Llama2TokenizerJson.pairMerges(), "pairs.json");
    for (String text : TEXTS) {
      int[] expected = referenceEncode(text);
      assertArrayEquals(expected, strings.encode(text), text);
      assertArrayEquals(expected, pairs.encode(text), text);
      assertEquals(text, strings.decode(strings.encode(text)), "decode of " + text);
    }
  }

  @Test
  void bothMergeFormsHaveOneFingerprint() {
    assertEquals(TokenizerFingerprint.ofTokenizerJson(Llama2TokenizerJson.pairMerges(), "pairs"),
        TokenizerFingerprint.ofTokenizerJson(Llama2TokenizerJson.stringMerges(), "strings"));
  }

  @Test
  void aMergeWithNoValidReadingIsNamed() {
    String broken = new String(Llama2TokenizerJson.stringMerges(), StandardCharsets.UTF_8)
        .replace("\"     \"", "\"  x  \"");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new HfJsonTokenizer(broken.getBytes(StandardCharsets.UTF_8), "</s>", "broken.json"));
    assertTrue(e.getMessage().contains("broken.json") && e.getMessage().contains("merge #17"), e.getMessage());
  }

  /** The Python library (when installed) on the pair form, the form it writes and reads itself. */
  @Test
  void sameIdsAsPythonTokenizers() throws Exception {
    Assumptions.assumeTrue(python("import tokenizers") == 0, "python3 with the tokenizers package is not installed");
    Path pairsFile = Files.write(dir.resolve("py.json"), Llama2TokenizerJson.pairMerges());
    Path textsFile = Files.writeString(dir.resolve("texts.json"),
        new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(TEXTS));
    Path out = dir.resolve("ids.json");
    assertEquals(0, python("import json,sys; from tokenizers import Tokenizer; t = Tokenizer.from_file(sys.argv[1]); "
        + "json.dump([t.encode(s, add_special_tokens=False).ids for s in json.load(open(sys.argv[2]))], open(sys.argv[3], 'w'))",
        pairsFile.toString(), textsFile.toString(), out.toString()));
    int[][] py = new com.fasterxml.jackson.databind.ObjectMapper().readValue(out.toFile(), int[][].class);
    TextTokenizer ours = load(Llama2TokenizerJson.stringMerges(), "ours.json");
    for (int i = 0; i < TEXTS.size(); i++) {
      assertArrayEquals(py[i], ours.encode(TEXTS.get(i)), TEXTS.get(i));
    }
  }

  private static int python(String script, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("python3", "-c", script));
    cmd.addAll(Arrays.asList(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  private static int[] ids(String... tokens) {
    return Arrays.stream(tokens).mapToInt(t -> {
      Integer id = V.get(t);
      if (id == null) {
        throw new IllegalArgumentException(t);
      }
      return id;
    }).toArray();
  }

  /**
   * SentencePiece-style BPE in plain loops: ▁ for every space plus one in front, one symbol per
   * character, then repeatedly the lowest-ranked adjacent pair (leftmost on ties) merged; a symbol
   * outside the vocabulary becomes its UTF-8 bytes.
   */
  static int[] referenceEncode(String text) {
    Map<String, Integer> rank = new HashMap<>();
    for (int r = 0; r < Llama2TokenizerJson.MERGES.size(); r++) {
      List<String> m = Llama2TokenizerJson.MERGES.get(r);
      rank.putIfAbsent(m.get(0) + "\u0000" + m.get(1), r);
    }
    if (text.isEmpty()) {
      return new int[0]; // the Prepend normalizer leaves an empty text empty
    }
    String normalised = "▁" + text.replace(" ", "▁");
    List<String> symbols = new ArrayList<>();
    normalised.codePoints().forEach(c -> symbols.add(new String(Character.toChars(c))));
    while (true) {
      int best = -1;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < symbols.size(); i++) {
        Integer r = rank.get(symbols.get(i) + "\u0000" + symbols.get(i + 1));
        if (r != null && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) {
        break;
      }
      symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
    }
    List<Integer> out = new ArrayList<>();
    for (String s : symbols) {
      if (V.containsKey(s)) {
        out.add(V.get(s));
      } else {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
          out.add(V.get(String.format("<0x%02X>", b & 0xff)));
        }
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
