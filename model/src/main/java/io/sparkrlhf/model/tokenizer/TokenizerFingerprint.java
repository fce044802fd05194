package io.sparkrlhf.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tokenizer's identity: the SHA-256 of a canonical form of what gives its ids their meaning, so
 * that data and a model can be checked to speak the same ids.
 *
 * <p>The canonical form holds the model type; the vocabulary as each id's bytes; the order in which
 * BPE merges build tokens, as the id each merge makes (a tiktoken BPE such as the built-in GPT-2
 * ranks its tokens by id, which is the same order); Unigram scores; and the added tokens with their
 * ids and special flags. Formatting, key order, the two merge notations ({@code "a b"} and
 * {@code ["a", "b"]}) and byte-level spelling ({@code Ġt} for " t") do not change it, so GPT-2's
 * {@code tokenizer.json} and the built-in GPT-2 BPE have one fingerprint. Pre-tokenizer and
 * normaliser settings are not part of it: they change how text is cut, not what an id means.
 */
public final class TokenizerFingerprint {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static volatile String gpt2;

  private TokenizerFingerprint() {}

  /** The fingerprint of a {@code tokenizer.json}'s bytes; {@code source} names it in errors. */
  public static String ofTokenizerJson(byte[] tokenizerJson, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(tokenizerJson);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.path("model").isObject()) {
      throw new IllegalArgumentException(source + " has no \"model\" section: not a tokenizer.json");
    }
    JsonNode model = root.path("model");
    boolean byteLevel = usesByteLevel(root.path("pre_tokenizer")) || usesByteLevel(root.path("decoder"));
    Map<Integer, String> added = new TreeMap<>();
    Map<Integer, Boolean> special = new HashMap<>();
    for (JsonNode t : root.path("added_tokens")) {
      added.put(t.path("id").asInt(), t.path("content").asText());
      special.put(t.path("id").asInt(), t.path("special").asBoolean(false));
    }

    Map<Integer, byte[]> vocab = new TreeMap<>();
    Map<String, Integer> ids = new HashMap<>();
    ArrayNode scores = null;
    JsonNode entries = model.path("vocab");
    if (entries.isObject()) { // BPE, WordPiece, WordLevel: {"token": id}
      for (Iterator<Map.Entry<String, JsonNode>> it = entries.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        ids.put(e.getKey(), e.getValue().asInt());
        vocab.put(e.getValue().asInt(), spelling(e.getKey(), byteLevel));
      }
    } else if (entries.isArray()) { // Unigram: [["piece", score], ...], id = position
      scores = JSON.createArrayNode();
      for (int i = 0; i < entries.size(); i++) {
        vocab.put(i, spelling(entries.get(i).path(0).asText(), byteLevel));
        scores.add(entries.get(i).path(1).asDouble());
      }
    } else {
      throw new IllegalArgumentException(source + ": model.vocab is missing or of unknown form");
    }

    ArrayNode merges = JSON.createArrayNode();
    for (BpeMerges.Pair pair : BpeMerges.read(model.path("merges"), ids, source)) {
      Integer made = ids.get(pair.made());
      if (made == null) {
        throw new IllegalArgumentException(source + ": merge '" + pair.left() + " " + pair.right() + "' makes '"
            + pair.made() + "', which is not in its vocabulary");
      }
      merges.add(made);
    }
    String type = model.path("type").asText(model.has("merges") ? "BPE" : "");
    return digest(canonical(type, vocab, added, special, merges, scores));
  }

  /** The fingerprint of the built-in GPT-2 BPE ({@link Gpt2Tokenizer}), worked out once per JVM. */
  public static String ofGpt2() {
    String known = gpt2;
    if (known == null) {
      Gpt2Tokenizer tok = Gpt2Tokenizer.instance();
      Map<Integer, byte[]> vocab = new TreeMap<>();
      ArrayNode merges = JSON.createArrayNode();
      for (int id = 0; id < Gpt2Tokenizer.EOS_TOKEN_ID; id++) {
        byte[] bytes = tok.tokenBytes(id);
        vocab.put(id, bytes);
        if (bytes.length > 1) { // every token of two or more bytes is made by a merge of its rank (= id)
          merges.add(id);
        }
      }
      Map<Integer, String> added = Map.of(Gpt2Tokenizer.EOS_TOKEN_ID, Gpt2Tokenizer.EOS_TOKEN);
      known = digest(canonical("BPE", vocab, added, Map.of(Gpt2Tokenizer.EOS_TOKEN_ID, true), merges, null));
      gpt2 = known;
    }
    return known;
  }

  /** The first characters of a fingerprint, enough to tell two apart in a message. */
  public static String shortForm(String fingerprint) {
    return fingerprint == null ? "none" : fingerprint.substring(0, Math.min(12, fingerprint.length()));
  }

  private static byte[] spelling(String token, boolean byteLevel) {
    return byteLevel ? ByteLevelAlphabet.bytes(token) : token.getBytes(StandardCharsets.UTF_8);
  }

  private static boolean usesByteLevel(JsonNode component) {
    if ("ByteLevel".equals(component.path("type").asText())) {
      return true;
    }
    for (String list : new String[] {"pretokenizers", "decoders"}) {
      for (JsonNode child : component.path(list)) {
        if (usesByteLevel(child)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Added tokens leave the vocabulary list (GPT-2's tokenizer.json lists {@code <|endoftext|>} in
   * both places, tiktoken only among its specials); ids no token has are null.
   */
  private static ObjectNode canonical(String type, Map<Integer, byte[]> vocab, Map<Integer, String> added,
      Map<Integer, Boolean> special, ArrayNode merges, ArrayNode scores) {
    ObjectNode c = JSON.createObjectNode();
    c.put("type", type);
    ArrayNode v = c.putArray("vocab");
    HexFormat hex = HexFormat.of();
    int next = 0;
    for (Map.Entry<Integer, byte[]> e : vocab.entrySet()) {
      if (added.containsKey(e.getKey()) || e.getKey() < 0) {
        continue;
      }
      for (; next < e.getKey(); next++) {
        v.addNull();
      }
      v.add(hex.formatHex(e.getValue()));
      next++;
    }
    c.set("merges", merges);
    if (scores != null) {
      c.set("scores", scores);
    }
    ArrayNode a = c.putArray("added");
    new TreeMap<>(added).forEach((id, content) -> a.addArray().add(id).add(content).add(special.getOrDefault(id, false)));
    return c;
  }

  private static String digest(ObjectNode canonical) {
    try {
      byte[] bytes = JSON.writeValueAsBytes(canonical);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot fingerprint a tokenizer: " + e.getMessage(), e);
    }
  }
}
