package io.sparkrlhf.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class TokenizerFingerprintTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TINY = fingerprint(TinyTokenizerJson.json());

  private static String fingerprint(byte[] json) {
    return TokenizerFingerprint.ofTokenizerJson(json, "test.json");
  }

  @Test
  void formattingKeyOrderAndMergeNotationDoNotChangeIt() throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(TinyTokenizerJson.json());
    ObjectNode model = (ObjectNode) root.get("model");
    ObjectNode reversedVocab = JSON.createObjectNode();
    List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
    model.get("vocab").fields().forEachRemaining(entries::add);
    for (int i = entries.size() - 1; i >= 0; i--) {
      reversedVocab.set(entries.get(i).getKey(), entries.get(i).getValue());
    }
    ArrayNode pairs = JSON.createArrayNode();
    for (JsonNode m : model.get("merges")) {
      String[] p = m.asText().split(" ");
      pairs.addArray().add(p[0]).add(p[1]); // tokenizers >= 0.20 writes merges as pairs
    }
    ObjectNode rewritten = JSON.createObjectNode();
    rewritten.set("model", model.deepCopy().put("type", "BPE").set("vocab", reversedVocab));
    ((ObjectNode) rewritten.get("model")).set("merges", pairs);
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!name.equals("model")) {
        rewritten.set(name, root.get(name));
      }
    }
    byte[] pretty = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(rewritten);
    assertNotEquals(new String(TinyTokenizerJson.json(), StandardCharsets.UTF_8), new String(pretty, StandardCharsets.UTF_8));
    assertEquals(TINY, fingerprint(pretty));
    assertEquals(64, TINY.length());
  }

  @Test
  void everyChangeToWhatAnIdMeansChangesIt() throws Exception {
    Set<String> seen = new HashSet<>(List.of(TINY));
    List<Consumer<ObjectNode>> changes = List.of(
        root -> { // two ids swapped
          ObjectNode vocab = (ObjectNode) root.at("/model/vocab");
          JsonNode a = vocab.get("a");
          vocab.set("a", vocab.get("b"));
          vocab.set("b", a);
        },
        root -> { // two merges in the other order (same tokens, other priority)
          ArrayNode merges = (ArrayNode) root.at("/model/merges");
          JsonNode first = merges.get(0);
          merges.set(0, merges.get(1));
          merges.set(1, first);
        },
        root -> ((ObjectNode) root.at("/added_tokens/0")).put("special", false),
        root -> ((ObjectNode) root.at("/added_tokens/0")).put("id", 300),
        root -> ((ObjectNode) root.at("/model/vocab")).put("hello", 299)); // one token at another id
    for (Consumer<ObjectNode> change : changes) {
      ObjectNode root = (ObjectNode) JSON.readTree(TinyTokenizerJson.json());
      change.accept(root);
      assertTrue(seen.add(fingerprint(JSON.writeValueAsBytes(root))), "a change kept an earlier fingerprint: " + root);
    }
  }

  @Test
  void aMergeWhoseResultIsNotInTheVocabularyIsAnErrorNamingTheFile() throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(TinyTokenizerJson.json());
    ((ArrayNode) root.at("/model/merges")).add("x y");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TokenizerFingerprint.ofTokenizerJson(JSON.writeValueAsBytes(root), "/models/m/tokenizer.json"));
    assertTrue(e.getMessage().contains("/models/m/tokenizer.json") && e.getMessage().contains("'x y'"), e.getMessage());
  }

  /**
   * GPT-2's tokenizer.json spells the r50k_base vocabulary in the byte-level alphabet, with merges
   * whose results are ids 256..50255 in order and {@code <|endoftext|>} both in the vocabulary and
   * added: written here from jtokkit's own vocabulary file, it has the built-in BPE's fingerprint.
   */
  @Test
  void gpt2TokenizerJsonAndTheBuiltInBpeShareOneFingerprint() throws Exception {
    Map<String, Integer> ranks = new HashMap<>();
    List<byte[]> byRank = new ArrayList<>();
    try (InputStream in = Gpt2Tokenizer.class.getResourceAsStream("/com/knuddels/jtokkit/r50k_base.tiktoken");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
      for (String line; (line = r.readLine()) != null; ) {
        String[] parts = line.split(" ");
        byte[] bytes = Base64.getDecoder().decode(parts[0]);
        int rank = Integer.parseInt(parts[1]);
        assertEquals(byRank.size(), rank, "ranks are consecutive");
        byRank.add(bytes);
        ranks.put(spell(bytes), rank);
      }
    }
    ObjectNode vocab = JSON.createObjectNode();
    ArrayNode merges = JSON.createArrayNode();
    for (int rank = 0; rank < byRank.size(); rank++) {
      String token = spell(byRank.get(rank));
      vocab.put(token, rank);
      if (token.length() > 1) {
        merges.add(anySplit(token, ranks));
      }
    }
    vocab.put("<|endoftext|>", 50256);
    ObjectNode root = JSON.createObjectNode();
    root.putArray("added_tokens").addObject().put("id", 50256).put("content", "<|endoftext|>").put("special", true);
    root.putObject("pre_tokenizer").put("type", "ByteLevel");
    ObjectNode model = root.putObject("model").put("type", "BPE");
    model.set("vocab", vocab);
    model.set("merges", merges);

    assertEquals(50000, merges.size());
    assertEquals(TokenizerSpec.gpt2().fingerprint(), fingerprint(JSON.writeValueAsBytes(root)));
    assertNotEquals(TINY, TokenizerSpec.gpt2().fingerprint());
  }

  /** "a b" where a and b are tokens making {@code token} (the fingerprint records what a merge makes). */
  private static String anySplit(String token, Map<String, Integer> ranks) {
    for (int i = 1; i < token.length(); i++) {
      if (ranks.containsKey(token.substring(0, i)) && ranks.containsKey(token.substring(i))) {
        return token.substring(0, i) + " " + token.substring(i);
      }
    }
    throw new AssertionError("no split of " + token);
  }

  private static String spell(byte[] bytes) {
    StringBuilder s = new StringBuilder();
    for (byte b : bytes) {
      s.append(TinyTokenizerJson.byteSymbol(b & 0xFF));
    }
    return s.toString();
  }
}
